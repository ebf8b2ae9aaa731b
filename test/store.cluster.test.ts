/**
 * The store on a real Redis Cluster (three masters, one replica each, started by this file): the
 * whole store contract, and where things live: a room's channel on the shard that owns the room's
 * slot (sharded pub/sub, not broadcast), rooms spread over every shard. Then gateway nodes on the
 * same cluster, and `rtgw block --redis-cluster`. (A failover: store.cluster-failover.test.ts.)
 */
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore, keySlot, RedisStore, type StoreLogger } from '../gateway/store/index.js';
import { freePort } from './helpers/redis-server.js';
import { deleteClusterKeys, startRedisCluster, type RedisCluster } from './helpers/redis-cluster.js';
import { uniquePrefix } from './helpers/redis.js';
import { member, Recorder, storeContract } from './helpers/store-contract.js';
import { runCli } from './helpers/cli.js';
import { closeTestGateways, startTestGateway } from './helpers/gateway.js';
import { joinAs } from './helpers/ws-client.js';

const quiet: StoreLogger = { warn: () => {}, error: () => {} };
let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

storeContract('redis cluster', async () => {
  const keyPrefix = uniquePrefix('cluster-contract');
  // Two seeds each, different ones: each store finds the rest of the cluster by itself.
  const a = new RedisStore({ clusterNodes: cluster.seeds.slice(0, 2), keyPrefix, logger: quiet });
  const b = new RedisStore({ clusterNodes: cluster.seeds.slice(3, 5), keyPrefix, logger: quiet });
  return { a, b, cleanup: () => deleteClusterKeys(cluster, keyPrefix) };
});

describe('RedisStore on Redis Cluster', () => {
  let keyPrefix = uniquePrefix('cluster');
  const stores: RedisStore[] = [];

  async function started(): Promise<RedisStore> {
    const store = new RedisStore({ clusterNodes: cluster.seeds.slice(0, 1), keyPrefix, logger: quiet });
    stores.push(store);
    await store.start(new Recorder());
    return store;
  }

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await deleteClusterKeys(cluster, keyPrefix);
  });

  /** `PUBSUB <sub> <channel>` on every master: master -> count. */
  async function perMaster(sub: 'SHARDNUMSUB' | 'NUMSUB', channel: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const { master } of await cluster.shards()) {
      const redis = cluster.connect(master);
      try {
        const reply = (await redis.call('PUBSUB', sub, channel)) as [string, number];
        out[master] = Number(reply[1]);
      } finally {
        redis.disconnect();
      }
    }
    return out;
  }

  it("computes each name's slot as Redis does (hash tags included)", async () => {
    const redis = cluster.connect(cluster.seeds[0]!);
    try {
      for (const name of ['rtgw:{room:lobby}:events', 'rtgw:{room:lobby}:members', 'rtgw:nodes', 'plain', '{}empty-tag', 'a{b}c{d}', 'é{ü}', 'x:{user-1}']) {
        expect(keySlot(name), name).toBe(Number(await redis.call('CLUSTER', 'KEYSLOT', name)));
      }
    } finally {
      redis.disconnect();
    }
  });

  it("a room's channel lives on the shard that owns the room's slot, on sharded pub/sub only", async () => {
    keyPrefix = uniquePrefix('placement');
    const [a, b] = [await started(), await started()];
    await a.subscribeRoom('lobby');
    await b.subscribeRoom('lobby');
    const channel = `${keyPrefix}{room:lobby}:events`;
    const owner = await cluster.masterOf(keySlot(channel));
    const sharded = await perMaster('SHARDNUMSUB', channel);
    expect(sharded[owner]).toBe(2);
    expect(Object.entries(sharded).filter(([master]) => master !== owner).map(([, n]) => n)).toEqual([0, 0]);
    expect(Object.values(await perMaster('NUMSUB', channel))).toEqual([0, 0, 0]);
    // The room's keys share that slot: the owner answers for them without a redirection.
    await a.addMember('lobby', member('u1'), 10);
    const redis = cluster.connect(owner);
    try {
      expect(await redis.hlen(`${keyPrefix}{room:lobby}:members`)).toBe(1);
      expect(await redis.hgetall(`${keyPrefix}{room:lobby}:bynode`)).toEqual({ 'node-a': '1' });
    } finally {
      redis.disconnect();
    }
    await b.unsubscribeRoom('lobby');
    expect((await perMaster('SHARDNUMSUB', channel))[owner]).toBe(1);
  });

  it('many rooms spread over every shard: none carries much more than its share', async () => {
    keyPrefix = uniquePrefix('spread');
    const store = await started();
    const rooms = Array.from({ length: 300 }, (_, i) => `room-${i}`);
    await Promise.all(rooms.map((room) => store.subscribeRoom(room)));
    const shards = await cluster.shards();
    const counts: number[] = [];
    for (const shard of shards) {
      const redis = cluster.connect(shard.master);
      try {
        const channels = (await redis.call('PUBSUB', 'SHARDCHANNELS', `${keyPrefix}{room:*`)) as string[];
        // Each channel this master carries is one of its slots.
        for (const channel of channels) expect(shard.slots.some(([from, to]) => keySlot(channel) >= from && keySlot(channel) <= to)).toBe(true);
        counts.push(channels.length);
      } finally {
        redis.disconnect();
      }
    }
    expect(counts.reduce((x, y) => x + y, 0)).toBe(300);
    // A third each is 100; a hash this even stays within 70..130 for 300 names (the test's names: 93, 112, 95).
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(70);
    for (const n of counts) expect(n).toBeLessThanOrEqual(130);
  });

  it('is a cluster store: topology, the seeds it names, and createStore picks it', async () => {
    keyPrefix = uniquePrefix('kind');
    const store = await started();
    expect([store.kind, store.topology, store.where]).toEqual(['redis', 'cluster', `Redis Cluster at ${cluster.seeds[0]}`]);
    expect(createStore({ redisClusterNodes: ['127.0.0.1:1'], keyPrefix: 'x:' })).toMatchObject({ topology: 'cluster' });
    expect(() => createStore({ redisUrl: 'redis://127.0.0.1:1', redisClusterNodes: ['127.0.0.1:1'], keyPrefix: 'x:' })).toThrow(
      new TypeError('createStore: give redisUrl or redisClusterNodes, not both'),
    );
  });

  it('rejects bad cluster options with a TypeError naming the entry', () => {
    expect(() => new RedisStore({ clusterNodes: ['127.0.0.1'], keyPrefix: 'x:' })).toThrow(
      new TypeError('RedisStore: clusterNodes entries are host:port (got "127.0.0.1")'),
    );
    expect(() => new RedisStore({ clusterNodes: [], keyPrefix: 'x:' })).toThrow(new TypeError('RedisStore: clusterNodes needs at least one host:port'));
    expect(() => new RedisStore({ url: 'redis://127.0.0.1', clusterNodes: ['127.0.0.1:1'], keyPrefix: 'x:' })).toThrow(
      new TypeError('RedisStore: give either url or clusterNodes'),
    );
    expect(new RedisStore({ clusterNodes: ['[::1]:7000', 'redis-0.redis:6379'], keyPrefix: 'x:' }).where).toBe('Redis Cluster at ::1:7000,redis-0.redis:6379');
  });

  it('start rejects with an Error naming the seeds when no seed answers', async () => {
    const seed = `127.0.0.1:${await freePort()}`;
    const store = new RedisStore({ clusterNodes: [seed], keyPrefix: 'x:', logger: quiet, connectTimeoutMs: 300 });
    const t0 = performance.now();
    await expect(store.start(new Recorder())).rejects.toThrow(new RegExp(`^Redis Cluster at ${seed} is unreachable: not ready within 300 ms`));
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await store.checkReady(100)).toBe(false);
  });
});

describe('rtgw nodes on the Redis Cluster', () => {
  const R = [0, 0, 0, 1];
  let keyPrefix = uniquePrefix('cluster-gw');
  afterEach(async () => {
    await closeTestGateways();
    await deleteClusterKeys(cluster, keyPrefix);
  });

  it("members on different nodes see each other's joins, transforms, chat and leaves", async () => {
    keyPrefix = uniquePrefix('cluster-gw');
    const a = await startTestGateway({ redisClusterNodes: cluster.seeds.slice(0, 2), keyPrefix, nodeId: 'node-a' });
    const b = await startTestGateway({ redisClusterNodes: cluster.seeds.slice(3, 5), keyPrefix, nodeId: 'node-b' });
    const { client: alice } = await joinAs(a.url, 'lobby', 'alice');
    const { client: bob, state } = await joinAs(b.url, 'lobby', 'bob');
    expect(state.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    expect((await alice.next('member_joined')).member.userId).toBe('bob');
    alice.send({ type: 'avatar_transform', p: [1, 2, 3], r: R, seq: 1 });
    expect((await bob.next('avatar_transform_broadcast')).transforms[0]).toMatchObject({ userId: 'alice', p: [1, 2, 3], seq: 1 });
    bob.send({ type: 'chat_send', text: 'hi from b', clientMsgId: 'm1' });
    expect(await alice.next('chat_broadcast')).toMatchObject({ text: 'hi from b', userId: 'bob' });
    bob.send({ type: 'leave_room' });
    expect(await alice.next('member_left')).toEqual({ type: 'member_left', userId: 'bob', reason: 'left' });
    const ready = await fetch(`${a.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', store: 'redis', node: 'node-a' }]);
  });

  it('rtgw block --redis-cluster changes a blocklist that every node reads', async () => {
    keyPrefix = uniquePrefix('cluster-cli');
    const seeds = cluster.seeds.slice(1, 3).join(',');
    expect(await runCli(['block', 'carol', 'dave', '--redis-cluster', seeds, '--key-prefix', keyPrefix])).toMatchObject({ code: 0, stdout: 'carol blocks: dave\n' });
    expect(await runCli(['block', 'carol', 'erin', '--key-prefix', keyPrefix], { REDIS_CLUSTER_NODES: seeds })).toMatchObject({ code: 0, stdout: 'carol blocks: dave, erin\n' });
    const store = new RedisStore({ clusterNodes: cluster.seeds.slice(4), keyPrefix, logger: quiet });
    await store.start(new Recorder());
    try {
      expect(await store.getBlocked('carol')).toEqual(['dave', 'erin']);
    } finally {
      await store.close();
    }
  });
});
