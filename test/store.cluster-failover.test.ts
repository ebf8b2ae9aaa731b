/**
 * A shard failover under two cluster stores (two gateway nodes' worth): the master owning a room's
 * slot is SIGKILLed and its replica promoted (cluster-node-timeout 2000 ms). Its own cluster:
 * after this file the cluster has a shard without a replica. The gateway-level version, with lost
 * writes and the convergence check, is `rtgw scenario cluster-failover`.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keySlot, RedisStore, type StoreLogger } from '../gateway/store/index.js';
import type { RoomEvent } from '../gateway/store/types.js';
import { startRedisCluster, type RedisCluster } from './helpers/redis-cluster.js';
import { uniquePrefix } from './helpers/redis.js';
import { chat, member, Recorder } from './helpers/store-contract.js';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 2_000 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const logs: Array<{ msg: string }> = [];
const logger: StoreLogger = { warn: (_obj, msg) => logs.push({ msg }), error: (_obj, msg) => logs.push({ msg }) };
const event = (n: number): RoomEvent => ({ kind: 'chat', origin: 'node-a', message: chat(n) });

it('a shard whose master dies: the others keep serving, both nodes report the loss once, re-subscribe on the promoted replica by themselves and report it back; delivery for the room resumes within 5 s of the promotion', async () => {
  const keyPrefix = uniquePrefix('failover');
  const shards = await cluster.shards();
  const [victim, healthy] = [shards[0]!, shards[1]!];
  const owned = (shard: typeof victim) => (roomId: string) => {
    const slot = keySlot(`${keyPrefix}{room:${roomId}}:events`);
    return shard.slots.some(([from, to]) => slot >= from && slot <= to);
  };
  const pick = (shard: typeof victim) => Array.from({ length: 1000 }, (_, i) => `room-${i}`).find(owned(shard))!;
  const [doomed, safe] = [pick(victim), pick(healthy)];
  const ra = new Recorder();
  const rb = new Recorder();
  const a = new RedisStore({ clusterNodes: cluster.seeds.slice(0, 2), keyPrefix, logger });
  const b = new RedisStore({ clusterNodes: cluster.seeds.slice(2, 4), keyPrefix, logger });
  await a.start(ra);
  await b.start(rb);
  try {
    await b.subscribeRoom(doomed);
    await b.subscribeRoom(safe);
    await a.addMember(doomed, member('u1'), 10);
    a.publish(doomed, event(1));
    await rb.until('the first event', () => rb.roomEvents.length === 1);
    // Everything so far is on the replica too, so this test is about availability (the scenario is about loss).
    const master = cluster.connect(victim.master);
    await master.call('WAIT', '1', '2000');
    master.disconnect();

    const killedAt = performance.now();
    await cluster.node(victim.master).kill();
    await Promise.all([ra.until('a reports the loss', () => ra.disconnected === 1, 5_000), rb.until('b reports the loss', () => rb.disconnected === 1, 5_000)]);
    const noticedMs = performance.now() - killedAt;
    expect(await a.checkReady(500)).toBe(false);
    // The other shards serve meanwhile (a join there too, whatever shard the indexes are on). A call
    // for the dead shard is retried by ioredis for a bounded time (16 tries, 100 ms apart), then
    // fails, unless the replica took over meanwhile: it never hangs.
    expect(await a.addMember(safe, member('u2'), 10)).toEqual({ status: 'joined' });
    expect((await b.getRoom(safe)).members.map((m) => m.userId)).toEqual(['u2']);
    const failAt = performance.now();
    const outcome = await a.getRoom(doomed).then(
      () => 'served by the promoted replica',
      (err: Error) => `failed: ${err.message}`,
    );
    const failedInMs = performance.now() - failAt;
    expect(failedInMs, outcome).toBeLessThan(2_500);

    const promotedAt = (await cluster.promoted(victim.replicas[0]!)) - Date.now() + performance.now();
    await Promise.all([ra.until('a reports it back', () => ra.reconnected === 1, 10_000), rb.until('b reports it back', () => rb.reconnected === 1, 10_000)]);
    const backMs = performance.now() - promotedAt;
    expect(await a.checkReady(1_000)).toBe(true);
    a.publish(doomed, event(2));
    await rb.until('the event after the failover, through the promoted replica', () => rb.roomEvents.length === 2, 5_000);
    const deliveredMs = performance.now() - promotedAt;
    expect(deliveredMs).toBeLessThan(5_000);
    expect(rb.roomEvents.map((e) => e.event)).toEqual([event(1), event(2)]);
    expect((await b.getRoom(doomed)).members).toEqual([member('u1')]);
    // Reported once each way, on both nodes.
    expect([ra.disconnected, ra.reconnected, rb.disconnected, rb.reconnected]).toEqual([1, 1, 1, 1]);
    expect(logs.map((l) => l.msg)).toContain('redis cluster whole again');
    process.stdout.write(
      `${JSON.stringify({ failover: { noticedMs: Math.round(noticedMs), deadShardCall: { settledInMs: Math.round(failedInMs), outcome }, promotedAfterKillMs: Math.round(promotedAt - killedAt), reportedBackAfterPromotionMs: Math.round(backMs), deliveredAfterPromotionMs: Math.round(deliveredMs) } })}\n`,
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}, 60_000);
