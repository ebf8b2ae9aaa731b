import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';
import { joinAs, type TestClient } from '../helpers/ws-client.js';

afterEach(closeTestGateways);
const R = [0, 0, 0, 1];
const ADMIN = 'admin-token-for-tests';

const stores = {
  memory: () => startTestGateway({ adminToken: ADMIN }),
  redis: () => startTestGateway({ adminToken: ADMIN, redisUrl: redisUrl(), keyPrefix: uniquePrefix('blocks') }),
};

async function setBlock(gw: Gateway, userId: string, blockedUserId: string, blocked: boolean) {
  const res = await fetch(`${gw.url}/admin/blocks`, {
    method: blocked ? 'PUT' : 'DELETE',
    headers: { authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ userId, blockedUserId }),
  });
  expect(res.status).toBe(200);
}

/** Wait until `observer` has seen `sender`'s transform with `seq`: the same flush reached everyone. */
const sawTransform = (observer: TestClient, userId: string, seq: number) =>
  observer.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.userId === userId && t.seq === seq));

describe.each(Object.entries(stores))('blocklists on the %s store', (_kind, start) => {
  it('A blocks B: A receives nothing B originates, B still sees A, a third member sees both; unblock restores', async () => {
    const gw = await start();
    const { client: a } = await joinAs(gw.url, 'lobby', 'a');
    const { client: b } = await joinAs(gw.url, 'lobby', 'b');
    const { client: c } = await joinAs(gw.url, 'lobby', 'c');
    await a.next('member_joined', (m) => m.member.userId === 'c');

    const blockedAt = Date.now();
    await setBlock(gw, 'a', 'b', true);
    // Effective within 1 s of the call.
    await expect.poll(() => gw.hub.rooms.get('lobby')?.sessions.get('a')?.blocked?.has('b'), { timeout: 1000, interval: 10 }).toBe(true);
    expect(Date.now() - blockedAt).toBeLessThan(1000);

    b.send({ type: 'avatar_transform', p: [1, 1, 1], r: R, seq: 1 });
    b.send({ type: 'chat_send', text: 'from b' });
    await sawTransform(c, 'b', 1);
    expect((await c.next('chat_broadcast', (m) => m.userId === 'b')).text).toBe('from b');
    b.send({ type: 'leave_room' });
    await c.next('member_left', (m) => m.userId === 'b');
    const { client: b2 } = await joinAs(gw.url, 'lobby', 'b');
    await c.next('member_joined', (m) => m.member.userId === 'b');
    // A still receives others; by the time C's chat arrives, anything from B would have too.
    c.send({ type: 'chat_send', text: 'barrier' });
    await a.next('chat_broadcast', (m) => m.text === 'barrier');
    // The block itself removed B from A's view; after that, nothing B did reached A.
    const blockedIndex = a.received.findIndex((m) => m.type === 'member_left' && m.userId === 'b');
    expect(a.received[blockedIndex]).toEqual({ type: 'member_left', userId: 'b', reason: 'left' });
    const fromB = a.received.slice(blockedIndex + 1).filter((m) => JSON.stringify(m).includes('"b"'));
    expect(fromB).toEqual([]);
    expect(a.all('member_joined').map((m) => m.member.userId)).toEqual(['b', 'c']); // only from before the block

    // B is unaffected: it sees A's transforms and chat.
    a.send({ type: 'avatar_transform', p: [2, 2, 2], r: R, seq: 1 });
    a.send({ type: 'chat_send', text: 'from a' });
    await sawTransform(b2, 'a', 1);
    expect((await b2.next('chat_broadcast', (m) => m.userId === 'a')).text).toBe('from a');

    // B is missing from A's room_state and from the chat history A is shown.
    const { client: a2, state } = await joinAs(gw.url, 'lobby', 'a');
    await a.closed;
    expect(state.members.map((m) => m.userId).sort()).toEqual(['a', 'c']);
    expect(state.chat.map((m) => m.userId)).not.toContain('b');

    // Unblock: B reappears to A and its transforms flow again.
    await setBlock(gw, 'a', 'b', false);
    expect((await a2.next('member_joined', (m) => m.member.userId === 'b')).member).toMatchObject({ userId: 'b' });
    b2.send({ type: 'avatar_transform', p: [3, 3, 3], r: R, seq: 2 });
    await sawTransform(a2, 'b', 2);
  });

  it('a room without blocks pays nothing: recipients who block nobody have no blocklist', async () => {
    const gw = await start();
    await joinAs(gw.url, 'lobby', 'x');
    await joinAs(gw.url, 'lobby', 'y');
    const sessions = [...gw.hub.rooms.get('lobby')!.sessions.values()];
    expect(sessions.map((s) => s.blocked)).toEqual([undefined, undefined]);
  });
});
