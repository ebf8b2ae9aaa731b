import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, LeaveReason } from '../../protocol/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { TestClient, fetchToken, joinAs, wsUrlOf } from '../helpers/ws-client.js';

afterEach(closeTestGateways);

const P = [1, 0, 2] as [number, number, number];
const R = [0, 0, 0, 1] as [number, number, number, number];

describe('join, room_state and presence', () => {
  it('a joiner gets room_state with every member and itself; the others get member_joined', async () => {
    const gw = await startTestGateway();
    const { client: alice, state: aliceState } = await joinAs(gw.url, 'lobby', 'alice', { displayName: 'Alice' });
    expect(aliceState.roomId).toBe('lobby');
    expect(aliceState.self.userId).toBe('alice');
    expect(aliceState.members.map((m) => m.userId)).toEqual(['alice']);

    const { state: bobState } = await joinAs(gw.url, 'lobby', 'bob', { device: 'mobile' });
    expect(bobState.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    expect(bobState.members.find((m) => m.userId === 'alice')).toMatchObject({ displayName: 'Alice', device: 'desktop' });
    const joined = await alice.next('member_joined');
    expect(joined.member).toMatchObject({ userId: 'bob', displayName: 'bob', device: 'mobile' });
    expect(typeof joined.member.joinedAt).toBe('number');
  });

  it('leave_room tells the others at once (reason left) and keeps the socket open', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    await alice.next('member_joined');
    bob.send({ type: 'leave_room' });
    expect(await alice.next('member_left')).toEqual({ type: 'member_left', userId: 'bob', reason: LeaveReason.LEFT });
    await bob.sync(); // still open
    bob.send({ type: 'avatar_transform', p: P, r: R });
    expect(await bob.next('error')).toMatchObject({ code: 'not_joined' });
  });

  it('a member whose socket drops is announced as disconnected only after the grace period', async () => {
    const gw = await startTestGateway({ graceMs: 300 });
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    await alice.next('member_joined');
    const droppedAt = Date.now();
    bob.kill();
    const left = await alice.next('member_left');
    expect(left).toEqual({ type: 'member_left', userId: 'bob', reason: LeaveReason.DISCONNECTED });
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(290);
  });

  it('a member who reconnects within the grace period is not announced as left or joined', async () => {
    const gw = await startTestGateway({ graceMs: 2000 });
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    await alice.next('member_joined');
    bob.kill();
    await bob.closed;
    const { client: bob2, state } = await joinAs(gw.url, 'lobby', 'bob');
    expect(state.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    // Bob's next chat reaches Alice; nothing about membership came before it.
    bob2.send({ type: 'chat_send', text: 'back' });
    await alice.next('chat_broadcast');
    expect(alice.all('member_left')).toEqual([]);
    expect(alice.all('member_joined').map((m) => m.member.userId)).toEqual(['bob']);
  });

  it('joining the same room as the same user on another socket replaces the first (4005), silently for others', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob1 } = await joinAs(gw.url, 'lobby', 'bob');
    await alice.next('member_joined');
    const { client: bob2 } = await joinAs(gw.url, 'lobby', 'bob');
    expect((await bob1.closed).code).toBe(CloseCode.SESSION_REPLACED);
    bob2.send({ type: 'chat_send', text: 'still here' });
    await alice.next('chat_broadcast');
    expect(alice.all('member_left')).toEqual([]);
    expect(alice.all('member_joined')).toHaveLength(1);
  });

  it('a full room refuses the next member with room_full and close 4009', async () => {
    const gw = await startTestGateway({ maxRoomSize: 2 });
    await joinAs(gw.url, 'small', 'a');
    await joinAs(gw.url, 'small', 'b');
    const { realtimeToken } = await fetchToken(gw.url, 'small', 'c');
    const c = await TestClient.open(wsUrlOf(gw.url));
    c.send({ type: 'join_room', token: realtimeToken });
    expect(await c.next('error')).toMatchObject({ code: 'room_full' });
    expect((await c.closed).code).toBe(CloseCode.ROOM_FULL);
  });

  it('a second join_room with another room\'s token moves the socket', async () => {
    const gw = await startTestGateway();
    const { client: watcher } = await joinAs(gw.url, 'one', 'watcher');
    const { client: mover } = await joinAs(gw.url, 'one', 'mover');
    await watcher.next('member_joined');
    const { realtimeToken } = await fetchToken(gw.url, 'two', 'mover');
    mover.send({ type: 'join_room', token: realtimeToken });
    const state = await mover.next('room_state');
    expect(state.roomId).toBe('two');
    expect(await watcher.next('member_left')).toMatchObject({ userId: 'mover', reason: 'left' });
  });
});

describe('avatar transforms', () => {
  it('are broadcast to the others with server time, never echoed to the sender', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    const before = Date.now();
    alice.send({ type: 'avatar_transform', p: P, r: R, seq: 1, anim: 'walk' });
    const msg = await bob.next('avatar_transform_broadcast');
    expect(msg.transforms).toHaveLength(1);
    expect(msg.transforms[0]).toMatchObject({ userId: 'alice', p: P, r: R, seq: 1, anim: 'walk' });
    expect(msg.transforms[0]!.ts).toBeGreaterThanOrEqual(before);
    // Alice gets Bob's transform but never her own.
    bob.send({ type: 'avatar_transform', p: [5, 5, 5], r: R });
    await alice.next('avatar_transform_broadcast');
    expect(alice.all('avatar_transform_broadcast').flatMap((m) => m.transforms).map((t) => t.userId)).toEqual(['bob']);
  });

  it('are coalesced per flush: at most three of a member per flush, the newest ones, in order', async () => {
    const gw = await startTestGateway({ flushIntervalMs: 200 });
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    for (let seq = 1; seq <= 5; seq++) alice.send({ type: 'avatar_transform', p: [seq, 0, 0], r: R, seq });
    await alice.sync(); // all five were accepted before the next flush
    const msg = await bob.next('avatar_transform_broadcast');
    expect(msg.transforms.map((t) => t.seq)).toEqual([3, 4, 5]);
  });

  it('the latest transform of each member is in room_state for later joiners', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    alice.send({ type: 'avatar_transform', p: [7, 0, 7], r: R, seq: 9 });
    await bob.next('avatar_transform_broadcast');
    const { state } = await joinAs(gw.url, 'lobby', 'carol');
    expect(state.members.find((m) => m.userId === 'alice')?.transform).toMatchObject({ p: [7, 0, 7], r: R, seq: 9 });
    expect(state.members.find((m) => m.userId === 'bob')?.transform).toBeUndefined();
  });

  it('a transform with a seq not above the last accepted one is dropped as stale', async () => {
    const gw = await startTestGateway({ flushIntervalMs: 10 });
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    alice.send({ type: 'avatar_transform', p: P, r: R, seq: 5 });
    await bob.next('avatar_transform_broadcast', (m) => m.transforms[0]?.seq === 5);
    alice.send({ type: 'avatar_transform', p: P, r: R, seq: 4 });
    alice.send({ type: 'avatar_transform', p: P, r: R, seq: 6 });
    const next = await bob.next('avatar_transform_broadcast');
    expect(next.transforms.map((t) => t.seq)).toEqual([6]);
    expect(bob.all('avatar_transform_broadcast').flatMap((m) => m.transforms).map((t) => t.seq)).toEqual([5, 6]);
  });
});

describe('chat', () => {
  it('is echoed to the sender with clientMsgId and broadcast to the others without it', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice', { displayName: 'Alice' });
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    alice.send({ type: 'chat_send', text: '  hello bob  ', clientMsgId: 'c1' });
    const echo = await alice.next('chat_broadcast');
    const seen = await bob.next('chat_broadcast');
    expect(echo).toMatchObject({ roomId: 'lobby', userId: 'alice', displayName: 'Alice', text: 'hello bob', clientMsgId: 'c1' });
    expect(seen).toEqual({ ...echo, clientMsgId: undefined, type: 'chat_broadcast' } as typeof seen);
    expect(seen.clientMsgId).toBeUndefined();
  });

  it('accepts 240 code points (emoji count once), rejects 241 as too_long and blank as empty', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const emoji240 = '😀'.repeat(240); // 480 UTF-16 units, 240 code points
    alice.send({ type: 'chat_send', text: emoji240, clientMsgId: 'ok' });
    expect((await alice.next('chat_broadcast')).text).toBe(emoji240);
    alice.send({ type: 'chat_send', text: 'x'.repeat(241), clientMsgId: 'long' });
    expect(await alice.next('chat_rejected')).toEqual({ type: 'chat_rejected', reason: 'too_long', clientMsgId: 'long' });
    alice.send({ type: 'chat_send', text: ' \n\t ', clientMsgId: 'blank' });
    expect(await alice.next('chat_rejected')).toEqual({ type: 'chat_rejected', reason: 'empty', clientMsgId: 'blank' });
  });

  it('rejects the sixth message in 10 s as rate_limited with retryAfterMs, across the user\'s sockets', async () => {
    const gw = await startTestGateway();
    const { client: a1 } = await joinAs(gw.url, 'one', 'alice');
    const { client: a2 } = await joinAs(gw.url, 'two', 'alice');
    for (let i = 0; i < 3; i++) a1.send({ type: 'chat_send', text: `m${i}` });
    for (let i = 3; i < 5; i++) a2.send({ type: 'chat_send', text: `m${i}` });
    await a1.sync();
    await a2.sync();
    a2.send({ type: 'chat_send', text: 'one too many', clientMsgId: 'x' });
    const rejected = await a2.next('chat_rejected');
    expect(rejected).toMatchObject({ reason: 'rate_limited', clientMsgId: 'x' });
    expect(rejected.retryAfterMs).toBeGreaterThan(8000);
    expect(rejected.retryAfterMs).toBeLessThanOrEqual(10_000);
  });

  it('room_state carries the last 50 messages, oldest first, with sortable unique ids', async () => {
    const gw = await startTestGateway();
    const senders = await Promise.all(Array.from({ length: 11 }, (_, i) => joinAs(gw.url, 'lobby', `u${i}`)));
    for (let round = 0; round < 5; round++) {
      for (const [i, { client }] of senders.entries()) client.send({ type: 'chat_send', text: `${i}-${round}` });
    }
    await Promise.all(senders.map(({ client }) => client.sync()));
    const { state } = await joinAs(gw.url, 'lobby', 'late');
    expect(state.chat).toHaveLength(50);
    const ids = state.chat.map((m) => m.id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
  });
});

describe('the flush is phased', () => {
  it('rooms are spread evenly over the phases of the flush interval, and each room still flushes every interval', async () => {
    const { FLUSH_PHASES } = await import('../../gateway/hub.js');
    const gw = await startTestGateway({ flushIntervalMs: 50 });
    const rooms = Array.from({ length: 2 * FLUSH_PHASES }, (_, i) => `phase-${i}`);
    const pairs = await Promise.all(rooms.map(async (room) => ({ sender: (await joinAs(gw.url, room, 'sender')).client, observer: (await joinAs(gw.url, room, 'observer')).client })));
    const phases = rooms.map((r) => gw.hub.rooms.get(r)!.phase);
    for (let p = 0; p < FLUSH_PHASES; p++) expect(phases.filter((x) => x === p)).toHaveLength(2);
    // Every room's transform arrives within one interval (plus the machine's own timer slack).
    const sent = performance.now();
    for (const { sender } of pairs) sender.send({ type: 'avatar_transform', p: [1, 0, 0], r: R, seq: 1 });
    await Promise.all(pairs.map(({ observer }) => observer.next('avatar_transform_broadcast', undefined, 2000)));
    expect(performance.now() - sent).toBeLessThan(1000);
  });
});
