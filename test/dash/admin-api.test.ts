/** The admin surface the dashboard reads, on real gateways (port 0): rooms, one room, stats, the live room stream. */
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomStreamEvent, StatsResponse } from '../../gateway/admin-schema.js';
import { MemoryBackend, MemoryStore } from '../../gateway/store/memory.js';
import { AdminApiError, HttpDashSource } from '../../cli/dash/source.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { joinAs, TestClient, wsUrlOf } from '../helpers/ws-client.js';
import { until } from './helpers.js';

const ADMIN = 'admin-token-for-the-dash-tests';
const ROUTES = ['/admin/rooms', '/admin/rooms/lobby', '/admin/rooms/lobby/events', '/admin/stats'];

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await closeTestGateways();
});

const get = (base: string, path: string, token?: string) => fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function gateway(options: Parameters<typeof startTestGateway>[0] = {}) {
  const gw = await startTestGateway({ adminToken: ADMIN, ...options });
  return { gw, admin: new HttpDashSource(gw.url, ADMIN) };
}

async function member(base: string, userId: string, roomId = 'lobby') {
  const joined = await joinAs(base, roomId, userId, { displayName: userId.toUpperCase() });
  cleanups.push(() => joined.client.close());
  return joined;
}

/** Follow a room's stream, collecting its events. */
function observe(admin: HttpDashSource, roomId: string) {
  const events: RoomStreamEvent[] = [];
  let ended: AdminApiError | undefined;
  const close = admin.watch(roomId, { event: (e) => events.push(e), end: (e) => (ended = e) });
  cleanups.push(close);
  return {
    events,
    ended: () => ended,
    of: <T extends RoomStreamEvent['type']>(type: T) => events.filter((e): e is Extract<RoomStreamEvent, { type: T }> => e.type === type),
    close,
  };
}

const move = (client: TestClient, x: number, seq: number) => client.send({ type: 'avatar_transform', p: [x, 0, -x], r: [0, 0, 0, 1], seq });

describe('admin API', () => {
  it.each(ROUTES)('%s without the admin token, or with a wrong one, is 401 with a JSON error', async (path) => {
    const { gw } = await gateway();
    for (const [token, message] of [[undefined, /an admin token is required/], ['wrong-token-of-some-length', /the admin token is wrong/]] as const) {
      const res = await get(gw.url, path, token);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.message).toMatch(message);
    }
  });

  it('without a configured admin token (production) the admin routes do not exist', async () => {
    const gw = await startTestGateway({ production: true });
    for (const path of ROUTES) expect((await get(gw.url, path, 'anything-at-all')).status).toBe(404);
  });

  it('other methods are 405, a malformed room id is 400, unknown admin paths 404', async () => {
    const { gw } = await gateway();
    const post = await fetch(`${gw.url}/admin/stats`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(post.status).toBe(405);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    expect((await get(gw.url, '/admin/rooms/a%20b', ADMIN)).status).toBe(400);
    expect((await get(gw.url, '/admin/rooms/%E0%A4%A', ADMIN)).status).toBe(400);
    expect((await get(gw.url, '/admin/nothing', ADMIN)).status).toBe(404);
  });

  it('lists rooms with member counts, and one room with its members, their node, latest transforms and chat', async () => {
    const { gw, admin } = await gateway({ nodeId: 'node-a' });
    const { client: ada } = await member(gw.url, 'ada');
    await member(gw.url, 'bob');
    await member(gw.url, 'cy', 'other');
    move(ada, 3, 1);
    ada.send({ type: 'chat_send', text: 'hello admins' });
    await ada.next('chat_broadcast');
    await until('ada\'s transform flushed', async () => (await admin.room('lobby')).members.some((m) => m.transform));

    expect((await admin.rooms()).rooms.map(({ roomId, members }) => ({ roomId, members }))).toEqual([
      { roomId: 'lobby', members: 2 },
      { roomId: 'other', members: 1 },
    ]);
    const lobby = await admin.room('lobby');
    expect(lobby.members.map(({ userId, displayName, device, nodeId }) => ({ userId, displayName, device, nodeId }))).toEqual([
      { userId: 'ada', displayName: 'ADA', device: 'desktop', nodeId: 'node-a' },
      { userId: 'bob', displayName: 'BOB', device: 'desktop', nodeId: 'node-a' },
    ]);
    expect(lobby.members[0]!.transform).toMatchObject({ p: [3, 0, -3], r: [0, 0, 0, 1], seq: 1 });
    expect(lobby.chat.map((m) => [m.userId, m.text])).toEqual([['ada', 'hello admins']]);
    expect(Math.abs(lobby.serverTime - Date.now())).toBeLessThan(1_000);
    expect(await admin.room('empty')).toMatchObject({ roomId: 'empty', members: [], chat: [] });
  });

  it('stats: connections, message rates by type, room traffic, drops, rate-limit hits, auth failures, loop delay, store', async () => {
    const { gw, admin } = await gateway({ nodeId: 'node-a' });
    const { client: ada } = await member(gw.url, 'ada');
    await member(gw.url, 'bob');
    // 40 transforms at once: a flush emits at most three of a sender's (its budget after a pause allows
    // four over two flushes), the rest are superseded and counted as rate_limited.
    for (let seq = 1; seq <= 40; seq++) move(ada, seq, seq);
    const intruder = await TestClient.open(wsUrlOf(gw.url));
    intruder.send({ type: 'join_room', token: 'not-a-jwt' });
    await intruder.closed;

    let stats: StatsResponse | undefined;
    await until('a stats sample with the traffic', async () => {
      stats = await admin.stats();
      return (stats.nodes[0]?.roomTraffic.lobby?.transformsPerSec ?? 0) > 0 && (stats.nodes[0]?.messagesInPerSec.avatar_transform ?? 0) > 0;
    });
    await until('the counts of drops and auth failures', async () => {
      stats = await admin.stats();
      return stats.total.rateLimitHits >= 32 && stats.total.authFailures === 1;
    });
    expect(stats!.node).toBe('node-a');
    expect(stats!.store).toEqual({ kind: 'memory', ready: true });
    expect(stats!.nodes).toHaveLength(1);
    const hits = stats!.total.rateLimitHits;
    expect(hits).toBeLessThanOrEqual(37);
    expect(stats!.nodes[0]).toMatchObject({ nodeId: 'node-a', connections: 2, rooms: 1, members: 2, storeUp: true, rateLimitHits: hits });
    expect(stats!.nodes[0]!.drops).toMatchObject({ rate_limited: hits });
    expect(stats!.nodes[0]!.authFailures).toEqual({ token_invalid: 1 });
    expect(stats!.total).toMatchObject({ nodes: 1, connections: 2, members: 2, drops: hits, rateLimitHits: hits, authFailures: 1 });
    expect(stats!.total.eventLoopDelayP99Ms).toBeGreaterThanOrEqual(0);
    const rooms = await admin.rooms();
    expect(rooms.rooms).toHaveLength(1);
  });

  it('the room stream starts with a snapshot, then joins, transforms, chat and leaves; the observer is never a member', async () => {
    const { gw, admin } = await gateway();
    const { client: ada } = await member(gw.url, 'ada');
    const stream = observe(admin, 'lobby');
    await until('the snapshot', () => stream.of('snapshot').length === 1);
    expect(stream.of('snapshot')[0]!.members.map((m) => m.userId)).toEqual(['ada']);

    const { client: bob } = await member(gw.url, 'bob');
    move(bob, 2, 1);
    bob.send({ type: 'chat_send', text: 'watched?' });
    await until('join, transform and chat', () => stream.of('member_joined').length === 1 && stream.of('transforms').length >= 1 && stream.of('chat').length === 1);
    expect(stream.of('member_joined')[0]!.member).toMatchObject({ userId: 'bob', displayName: 'BOB', nodeId: gw.config.nodeId });
    expect(stream.of('transforms')[0]!.transforms).toEqual([expect.objectContaining({ userId: 'bob', p: [2, 0, -2], seq: 1 })]);
    expect(stream.of('chat')[0]!.message).toMatchObject({ userId: 'bob', text: 'watched?' });
    bob.send({ type: 'leave_room' });
    await until('the leave', () => stream.of('member_left').length === 1);
    expect(stream.of('member_left')[0]).toEqual({ type: 'member_left', userId: 'bob', reason: 'left' });

    // Nobody was told about the observer, and it is not listed anywhere.
    const joinedAt = Date.now();
    await ada.sync();
    expect(ada.all('member_joined').map((m) => m.member.userId)).toEqual(['bob']);
    expect((await admin.room('lobby')).members.map((m) => m.userId)).toEqual(['ada']);
    await until('a stats sample after the joins', async () => (await admin.stats()).nodes[0]!.at > joinedAt);
    expect((await admin.stats()).total.connections).toBe(2);
    expect(stream.ended()).toBeUndefined();
  });

  it('an observer on a node without members there sees another node\'s members move, also after its own last member left', async () => {
    const backend = new MemoryBackend();
    const { admin } = await gateway({ nodeId: 'node-a', store: new MemoryStore(backend) });
    const { gw: b } = await gateway({ nodeId: 'node-b', store: new MemoryStore(backend) });
    // far is alone on node-b: node-b publishes its transforms only because node-a says it observes the room.
    const { client: onB } = await member(b.url, 'far');
    const stream = observe(admin, 'lobby');
    await until('the snapshot', () => stream.of('snapshot').length === 1);
    expect(stream.of('snapshot')[0]!.members).toEqual([expect.objectContaining({ userId: 'far', nodeId: 'node-b' })]);
    move(onB, 7, 1);
    await until('the transform from node-b', () => stream.of('transforms').some((e) => e.transforms.some((t) => t.userId === 'far' && t.seq === 1)));

    // A member joins node-a itself and leaves: the node releases its room, the observer keeps listening.
    const { client: here } = await member(admin.url, 'here');
    await until('here joined', () => stream.of('member_joined').some((e) => e.member.userId === 'here'));
    here.send({ type: 'leave_room' });
    await until('here left', () => stream.of('member_left').some((e) => e.userId === 'here'));
    move(onB, 8, 2);
    await until('node-b\'s next transform', () => stream.of('transforms').some((e) => e.transforms.some((t) => t.seq === 2)));
  });

  it('stats list every node of a shared store, and the rooms\' traffic sums theirs', async () => {
    const backend = new MemoryBackend();
    const { gw: a, admin } = await gateway({ nodeId: 'node-a', store: new MemoryStore(backend) });
    const { gw: b } = await gateway({ nodeId: 'node-b', store: new MemoryStore(backend) });
    const { client: ada } = await member(a.url, 'ada');
    const { client: bob } = await member(b.url, 'bob');
    let seq = 0;
    const timer = setInterval(() => (++seq, move(ada, seq, seq), move(bob, seq, seq)), 50);
    cleanups.push(() => clearInterval(timer));
    let stats: StatsResponse | undefined;
    await until('both nodes with traffic', async () => {
      stats = await admin.stats();
      return stats.nodes.length === 2 && stats.nodes.every((n) => (n.roomTraffic.lobby?.transformsPerSec ?? 0) > 0);
    });
    expect(stats!.nodes.map((n) => [n.nodeId, n.members])).toEqual([
      ['node-a', 1],
      ['node-b', 1],
    ]);
    expect(stats!.total).toMatchObject({ nodes: 2, members: 2, connections: 2 });
    const lobby = (await admin.rooms()).rooms[0]!;
    expect(lobby).toMatchObject({ roomId: 'lobby', members: 2 });
    expect(lobby.transformsPerSec).toBeGreaterThan(0);
  });

  it('with Redis, every node writes its stats record and an observer sees the other node\'s members', async () => {
    const url = redisUrl();
    const keyPrefix = uniquePrefix('dash-admin');
    cleanups.push(() => deleteKeys(url, keyPrefix));
    const { admin } = await gateway({ nodeId: 'redis-a', redisUrl: url, keyPrefix });
    const { gw: b } = await gateway({ nodeId: 'redis-b', redisUrl: url, keyPrefix });
    const { client: onB } = await member(b.url, 'far');
    const stream = observe(admin, 'lobby');
    await until('the snapshot', () => stream.of('snapshot').length === 1);
    move(onB, 4, 1);
    await until('the transform through Redis', () => stream.of('transforms').some((e) => e.transforms.some((t) => t.userId === 'far')));
    onB.send({ type: 'chat_send', text: 'via redis' });
    await until('the chat through Redis', () => stream.of('chat').length === 1);
    let stats: StatsResponse | undefined;
    await until('both nodes\' records, node b\'s with its member', async () => {
      stats = await admin.stats();
      return stats.nodes.map((n) => n.nodeId).join() === 'redis-a,redis-b' && stats.nodes[1]!.members === 1;
    });
    expect(stats!.store).toEqual({ kind: 'redis', ready: true });
    expect(stats!.nodes.map((n) => [n.nodeId, n.connections, n.members])).toEqual([
      ['redis-a', 0, 0],
      ['redis-b', 1, 1],
    ]);
  });

  it('when the gateway shuts down, the stream ends and the source says the gateway is unreachable', async () => {
    const { gw, admin } = await gateway();
    const stream = observe(admin, 'lobby');
    await until('the snapshot', () => stream.of('snapshot').length === 1);
    await gw.close({ drainMs: 0 });
    await until('the stream ended', () => stream.ended() !== undefined);
    expect(stream.ended()!.kind).toBe('unreachable');
    const err = await admin.stats().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect((err as AdminApiError).message).toMatch(new RegExp(`^cannot reach ${gw.url}: connect ECONNREFUSED`));
  });
});
