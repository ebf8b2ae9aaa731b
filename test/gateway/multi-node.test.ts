/**
 * Several gateway nodes on one Redis. In-process nodes show the cross-node logic quickly; real
 * `rtgw serve` processes show what only processes can: SIGKILL, SIGTERM and a Redis restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { closeTestGateways, spawnGateway, startTestGateway, type GatewayProcess } from '../helpers/gateway.js';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { joinAs } from '../helpers/ws-client.js';

const R = [0, 0, 0, 1];
const processes: GatewayProcess[] = [];
const redisServers: RedisServer[] = [];

afterEach(async () => {
  await closeTestGateways();
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await Promise.all(redisServers.splice(0).map((r) => r.stop()));
});

async function twoNodes(options: Record<string, unknown> = {}, url = redisUrl()) {
  const keyPrefix = uniquePrefix('multi');
  const a = await startTestGateway({ redisUrl: url, keyPrefix, nodeId: 'node-a', ...options });
  const b = await startTestGateway({ redisUrl: url, keyPrefix, nodeId: 'node-b', ...options });
  return { a, b };
}

describe('two in-process nodes on one Redis', () => {
  it('members on different nodes see each other\'s joins, transforms, chat and leaves', async () => {
    const { a, b } = await twoNodes();
    const { client: alice } = await joinAs(a.url, 'lobby', 'alice');
    const { client: bob, state } = await joinAs(b.url, 'lobby', 'bob');
    expect(state.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    expect((await alice.next('member_joined')).member.userId).toBe('bob');

    alice.send({ type: 'avatar_transform', p: [1, 2, 3], r: R, seq: 1 });
    expect((await bob.next('avatar_transform_broadcast')).transforms[0]).toMatchObject({ userId: 'alice', p: [1, 2, 3], seq: 1 });
    bob.send({ type: 'avatar_transform', p: [4, 5, 6], r: R, seq: 1 });
    expect((await alice.next('avatar_transform_broadcast')).transforms[0]).toMatchObject({ userId: 'bob', p: [4, 5, 6] });

    bob.send({ type: 'chat_send', text: 'hi from b', clientMsgId: 'm1' });
    expect(await bob.next('chat_broadcast')).toMatchObject({ text: 'hi from b', clientMsgId: 'm1' });
    const seen = await alice.next('chat_broadcast');
    expect(seen).toMatchObject({ text: 'hi from b', userId: 'bob' });
    expect(seen.clientMsgId).toBeUndefined();

    bob.send({ type: 'leave_room' });
    expect(await alice.next('member_left')).toEqual({ type: 'member_left', userId: 'bob', reason: 'left' });
  });

  it('a room on one node publishes no transforms to Redis; once it spans two nodes, it does', async () => {
    const { a, b } = await twoNodes();
    const published: string[] = [];
    const publish = a.store.publish.bind(a.store);
    a.store.publish = (roomId, event) => (published.push(event.kind), publish(roomId, event));
    const { client: alice } = await joinAs(a.url, 'lobby', 'alice');
    const { client: ann } = await joinAs(a.url, 'lobby', 'ann');
    alice.send({ type: 'avatar_transform', p: [1, 0, 0], r: R, seq: 1 });
    await ann.next('avatar_transform_broadcast');
    expect(published.filter((k) => k === 'transforms')).toEqual([]);

    const { client: bob } = await joinAs(b.url, 'lobby', 'bob');
    await alice.next('member_joined', (m) => m.member.userId === 'bob');
    alice.send({ type: 'avatar_transform', p: [2, 0, 0], r: R, seq: 2 });
    expect((await bob.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.seq === 2))).transforms[0]!.userId).toBe('alice');
    expect(published.filter((k) => k === 'transforms').length).toBeGreaterThan(0);
  });

  it('the chat anti-spam limit is shared by one user\'s sockets on different nodes', async () => {
    const { a, b } = await twoNodes();
    const { client: onA } = await joinAs(a.url, 'r1', 'spammer');
    const { client: onB } = await joinAs(b.url, 'r2', 'spammer');
    for (let i = 0; i < 5; i++) (i % 2 ? onB : onA).send({ type: 'chat_send', text: `m${i}` });
    await Promise.all([onA.sync(), onB.sync()]);
    onB.send({ type: 'chat_send', text: 'sixth' });
    expect(await onB.next('chat_rejected')).toMatchObject({ reason: 'rate_limited' });
  });

  it('rejoining on the other node within the grace period is a silent resume', async () => {
    const { a, b } = await twoNodes({ graceMs: 3000 });
    const { client: watcher } = await joinAs(a.url, 'lobby', 'watcher');
    const { client: mover } = await joinAs(a.url, 'lobby', 'mover');
    await watcher.next('member_joined');
    mover.kill();
    const { client: moved } = await joinAs(b.url, 'lobby', 'mover');
    moved.send({ type: 'chat_send', text: 'on node b now' });
    await watcher.next('chat_broadcast');
    // Node A's grace period for the old socket ends without an announcement.
    await expect.poll(() => a.hub.rooms.get('lobby')?.grace.size ?? 0, { timeout: 3000 }).toBe(0);
    await watcher.sync();
    expect(watcher.all('member_left')).toEqual([]);
  });

  it('joining as the same user on the other node replaces the first session with 4005', async () => {
    const { a, b } = await twoNodes();
    const { client: first } = await joinAs(a.url, 'lobby', 'dup');
    await joinAs(b.url, 'lobby', 'dup');
    expect((await first.closed).code).toBe(CloseCode.SESSION_REPLACED);
  });

  it('a block made through one node takes effect on the other within 1 s', async () => {
    const { a, b } = await twoNodes({ adminToken: 'admin-token-x' });
    await joinAs(b.url, 'lobby', 'blocker');
    const res = await fetch(`${a.url}/admin/blocks`, { method: 'PUT', headers: { authorization: 'Bearer admin-token-x' }, body: JSON.stringify({ userId: 'blocker', blockedUserId: 'pest' }) });
    expect(res.status).toBe(200);
    await expect.poll(() => b.hub.rooms.get('lobby')?.sessions.get('blocker')?.blocked?.has('pest'), { timeout: 1000, interval: 10 }).toBe(true);
  });
});

describe('rtgw serve processes on one Redis', () => {
  it('a SIGKILLed node\'s members are removed from the other node\'s room within 15 s', async () => {
    const prefix = uniquePrefix('sigkill');
    const a = await spawnGateway(['--port', '0', '--redis', redisUrl(), '--key-prefix', prefix, '--node-id', 'doomed']);
    const b = await spawnGateway(['--port', '0', '--redis', redisUrl(), '--key-prefix', prefix, '--node-id', 'survivor']);
    processes.push(a, b);
    const { client: ghost } = await joinAs(a.url, 'lobby', 'ghost');
    const { client: witness, state } = await joinAs(b.url, 'lobby', 'witness');
    expect(state.members.map((m) => m.userId).sort()).toEqual(['ghost', 'witness']);
    ghost.send({ type: 'avatar_transform', p: [1, 1, 1], r: R });
    await witness.next('avatar_transform_broadcast');

    const killedAt = Date.now();
    await a.kill();
    expect(await witness.next('member_left', undefined, 15_000)).toEqual({ type: 'member_left', userId: 'ghost', reason: 'disconnected' });
    const took = Date.now() - killedAt;
    expect(took).toBeLessThan(15_000);
    const { state: after } = await joinAs(b.url, 'lobby', 'late');
    expect(after.members.map((m) => m.userId).sort()).toEqual(['late', 'witness']);
  }, 30_000);

  it('SIGTERM closes sockets with 1001, exits 0, and members who did not resume are announced as left', async () => {
    const prefix = uniquePrefix('sigterm');
    const a = await spawnGateway(['--port', '0', '--redis', redisUrl(), '--key-prefix', prefix, '--grace-ms', '300']);
    const b = await spawnGateway(['--port', '0', '--redis', redisUrl(), '--key-prefix', prefix]);
    processes.push(a, b);
    const { client: leaving } = await joinAs(a.url, 'lobby', 'leaving');
    const { client: staying } = await joinAs(b.url, 'lobby', 'staying');
    expect(await a.stop()).toBe(0);
    expect((await leaving.closed).code).toBe(CloseCode.GOING_AWAY);
    expect(await staying.next('member_left')).toMatchObject({ userId: 'leaving', reason: 'disconnected' });
  }, 20_000);

  it('after redis-server restarts, nodes resubscribe by themselves and cross-node delivery and chat history resume', async () => {
    const redis = await startRedisServer();
    redisServers.push(redis);
    const prefix = uniquePrefix('restart');
    const a = await spawnGateway(['--port', '0', '--redis', redis.url, '--key-prefix', prefix]);
    const b = await spawnGateway(['--port', '0', '--redis', redis.url, '--key-prefix', prefix]);
    processes.push(a, b);
    const { client: alice } = await joinAs(a.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(b.url, 'lobby', 'bob');
    alice.send({ type: 'chat_send', text: 'before the restart' });
    await bob.next('chat_broadcast');

    await redis.stop();
    await expect.poll(async () => (await fetch(`${a.url}/readyz`)).status, { timeout: 5000, interval: 100 }).toBe(503);
    // While Redis is down, members on the same node are still served.
    const { client: carol } = await joinAs(a.url, 'lobby', 'carol').catch(() => ({ client: undefined }));
    expect(carol).toBeUndefined(); // joining needs the store: refused with 1011 (the client retries)
    alice.send({ type: 'chat_send', text: 'during the outage' });
    expect((await alice.next('chat_broadcast', (m) => m.text === 'during the outage')).text).toBe('during the outage');

    await redis.restart();
    await expect.poll(async () => (await fetch(`${a.url}/readyz`)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    await expect.poll(async () => (await fetch(`${b.url}/readyz`)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    // Cross-node delivery resumes without restarting either gateway.
    await expect
      .poll(
        async () => {
          alice.send({ type: 'avatar_transform', p: [9, 9, 9], r: R });
          return bob.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.userId === 'alice'), 200).then(
            () => true,
            () => false,
          );
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
    alice.send({ type: 'chat_send', text: 'after the restart' });
    await bob.next('chat_broadcast', (m) => m.text === 'after the restart');
    // Nothing accepted was lost from history, although Redis restarted empty.
    const { state } = await joinAs(b.url, 'lobby', 'dave');
    expect(state.chat.map((m) => m.text)).toEqual(['before the restart', 'during the outage', 'after the restart']);
    expect(state.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob', 'dave']);
  }, 45_000);
});

describe('shutdown when Redis is gone', () => {
  it('SIGTERM still exits 0 promptly after redis-server went away', async () => {
    const redis = await startRedisServer();
    redisServers.push(redis);
    const node = await spawnGateway(['--port', '0', '--redis', redis.url, '--key-prefix', uniquePrefix('gone'), '--grace-ms', '500']);
    processes.push(node);
    const { client } = await joinAs(node.url, 'lobby', 'stranded');
    await redis.stop();
    await expect.poll(async () => (await fetch(`${node.url}/readyz`)).status, { timeout: 5000, interval: 100 }).toBe(503);
    const asked = Date.now();
    expect(await node.stop()).toBe(0);
    expect(Date.now() - asked).toBeLessThan(5000);
    expect((await client.closed).code).toBe(CloseCode.GOING_AWAY);
  }, 20_000);
});
