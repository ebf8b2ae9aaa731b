/**
 * The store contract: every `Store` implementation passes this one suite. `a` and `b` are two
 * nodes sharing one backend (two views of one MemoryBackend, or two RedisStores on one Redis and
 * prefix). Events are awaited, never slept for.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, Transform } from '../../protocol/index.js';
import type { MemberRecord, NodeStatsRecord, ReapedMember, RoomEvent, Store, StoreHandlers } from '../../gateway/store/types.js';

export interface StorePair {
  a: Store;
  b: Store;
  /** Release what the pair holds beyond the stores (the suite starts and closes the stores). */
  cleanup(): Promise<void>;
}

/** Records what a store reports, and lets a test await a condition on it. */
export class Recorder implements StoreHandlers {
  readonly roomEvents: Array<{ roomId: string; event: RoomEvent }> = [];
  readonly blocksChanged: string[] = [];
  disconnected = 0;
  reconnected = 0;
  private readonly waiters = new Set<() => void>();

  onRoomEvent(roomId: string, event: RoomEvent): void {
    this.roomEvents.push({ roomId, event });
    this.wake();
  }
  onBlocksChanged(userId: string): void {
    this.blocksChanged.push(userId);
    this.wake();
  }
  onDisconnected(): void {
    this.disconnected += 1;
    this.wake();
  }
  onReconnected(): void {
    this.reconnected += 1;
    this.wake();
  }

  /** Resolve once `holds()` is true (checked now and after every callback); reject after `timeoutMs`. */
  until(what: string, holds: () => boolean, timeoutMs = 3_000): Promise<void> {
    if (holds()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!holds()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }
}

export const member = (userId: string, over: Partial<MemberRecord> = {}): MemberRecord => ({
  userId,
  displayName: userId.toUpperCase(),
  device: 'desktop',
  joinedAt: 1_700_000_000_000,
  sessionId: `session-${userId}`,
  nodeId: 'node-a',
  ...over,
});

export const transform = (x: number): Transform => ({ p: [x, 1.5, -2.25], r: [0, 0.7071, 0, 0.7071], seq: x, anim: 'walk', ts: 1_700_000_000_000 + x });

export const chat = (n: number, roomId = 'r1'): ChatMessage => ({
  id: `m${String(n).padStart(3, '0')}`,
  roomId,
  userId: 'u1',
  displayName: 'U1',
  text: `hello ${n}`,
  ts: 1_700_000_000_000 + n,
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ids = (messages: ChatMessage[]) => messages.map((m) => m.id);
const byUser = (members: MemberRecord[]) => [...members].sort((x, y) => (x.userId < y.userId ? -1 : 1));
const byRoomAndUser = (reaped: ReapedMember[]) =>
  [...reaped].sort((x, y) => (x.roomId + ' ' + x.userId < y.roomId + ' ' + y.userId ? -1 : 1));
const byRoomId = (rooms: Array<{ roomId: string; members: number }>) => [...rooms].sort((x, y) => (x.roomId < y.roomId ? -1 : 1));

export function storeContract(name: string, makePair: () => Promise<StorePair>): void {
  describe(`Store contract: ${name}`, () => {
    let a: Store;
    let b: Store;
    let ra: Recorder;
    let rb: Recorder;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ a, b, cleanup } = await makePair());
      ra = new Recorder();
      rb = new Recorder();
      await a.start(ra);
      await b.start(rb);
    });

    afterEach(async () => {
      await Promise.all([a.close(), b.close()]);
      await cleanup();
    });

    describe('membership', () => {
      it('a member added on one node is seen, record for record, on the other', async () => {
        expect(await a.addMember('r1', member('u1'), 10)).toEqual({ status: 'joined' });
        expect(await b.getRoom('r1')).toEqual({ members: [member('u1')], transforms: {}, chat: [] });
      });

      it('joining again replaces the record and returns the previous one', async () => {
        await a.addMember('r1', member('u1'), 10);
        const again = member('u1', { sessionId: 'session-2', nodeId: 'node-b', joinedAt: 1_700_000_000_500 });
        expect(await b.addMember('r1', again, 10)).toEqual({ status: 'joined', previous: member('u1') });
        expect((await a.getRoom('r1')).members).toEqual([again]);
      });

      it('removeMember with a stale sessionId leaves the newer session in place', async () => {
        await a.addMember('r1', member('u1', { sessionId: 's1' }), 10);
        await a.addMember('r1', member('u1', { sessionId: 's2' }), 10);
        expect(await a.removeMember('r1', 'u1', 's1')).toBe(false);
        expect((await b.getRoom('r1')).members).toEqual([member('u1', { sessionId: 's2' })]);
        expect(await b.removeMember('r1', 'u1', 's2')).toBe(true);
        expect((await a.getRoom('r1')).members).toEqual([]);
      });

      it('removeMember drops the member and its transform, and only theirs', async () => {
        await a.addMember('r1', member('u1'), 10);
        await a.addMember('r1', member('u2'), 10);
        await a.saveTransforms([
          { roomId: 'r1', userId: 'u1', transform: transform(1) },
          { roomId: 'r1', userId: 'u2', transform: transform(2) },
        ]);
        expect(await a.removeMember('r1', 'u1', 'session-u1')).toBe(true);
        expect(await b.getRoom('r1')).toEqual({ members: [member('u2')], transforms: { u2: transform(2) }, chat: [] });
      });

      it('removeMember of a user who is not in the room returns false', async () => {
        expect(await a.removeMember('nowhere', 'u1', 'session-u1')).toBe(false);
        await a.addMember('r1', member('u2'), 10);
        expect(await a.removeMember('r1', 'u1', 'session-u1')).toBe(false);
        expect((await a.getRoom('r1')).members).toEqual([member('u2')]);
      });

      it('a room at maxSize refuses a new user with full', async () => {
        await a.addMember('r1', member('u1'), 2);
        await b.addMember('r1', member('u2', { nodeId: 'node-b' }), 2);
        expect(await a.addMember('r1', member('u3'), 2)).toEqual({ status: 'full' });
        expect(byUser((await b.getRoom('r1')).members).map((m) => m.userId)).toEqual(['u1', 'u2']);
      });

      it('a user already in a full room may rejoin it', async () => {
        await a.addMember('r1', member('u1'), 2);
        await a.addMember('r1', member('u2'), 2);
        const rejoin = member('u2', { sessionId: 'session-2' });
        expect(await b.addMember('r1', rejoin, 2)).toEqual({ status: 'joined', previous: member('u2') });
        expect(byUser((await a.getRoom('r1')).members)).toEqual([member('u1'), rejoin]);
      });
    });

    describe('joinRoom (addMember and the snapshot in one step)', () => {
      it('returns the room as it is after the join: members, latest transforms, chat oldest first', async () => {
        await a.addMember('r1', member('u1', { joinedAt: 1 }), 10);
        await a.saveTransforms([{ roomId: 'r1', userId: 'u1', transform: transform(1) }]);
        for (const n of range(1, 52)) await a.appendChat(chat(n));
        const joined = await b.joinRoom('r1', member('u2', { nodeId: 'node-b', joinedAt: 2 }), 10);
        expect(joined).toEqual({
          status: 'joined',
          room: { members: [member('u1', { joinedAt: 1 }), member('u2', { nodeId: 'node-b', joinedAt: 2 })], transforms: { u1: transform(1) }, chat: range(3, 52).map((n) => chat(n)) },
        });
        expect(await a.getRoom('r1')).toEqual(joined.status === 'joined' ? joined.room : undefined);
      });

      it('returns the previous record of a user who joins again, and refuses a new user in a full room', async () => {
        await a.joinRoom('r1', member('u1'), 1);
        const again = member('u1', { sessionId: 'session-2', nodeId: 'node-b' });
        expect(await b.joinRoom('r1', again, 1)).toEqual({ status: 'joined', previous: member('u1'), room: { members: [again], transforms: {}, chat: [] } });
        expect(await b.joinRoom('r1', member('u2'), 1)).toEqual({ status: 'full' });
        expect((await a.getRoom('r1')).members).toEqual([again]);
      });

      it('keeps the rooms index and the node\'s members as addMember does (listRooms, reaping)', async () => {
        await a.joinRoom('r1', member('u1', { nodeId: 'node-x' }), 10);
        expect(byRoomId(await b.listRooms())).toEqual([{ roomId: 'r1', members: 1 }]);
        const leaseMs = 50;
        await a.heartbeat('node-x');
        await new Promise((resolve) => setTimeout(resolve, leaseMs + 30)); // node-x's lease lapses (it is time itself)
        await a.heartbeat('node-a');
        expect(await a.reapDeadNodes('node-a', leaseMs)).toEqual([{ roomId: 'r1', userId: 'u1', nodeId: 'node-x' }]);
        expect((await b.getRoom('r1')).members).toEqual([]);
      });
    });

    describe('room snapshots and listRooms', () => {
      it('getRoom of a room nobody joined is empty', async () => {
        expect(await a.getRoom('empty')).toEqual({ members: [], transforms: {}, chat: [] });
      });

      it('getRoom returns members, latest transforms and chat oldest first, at most 50', async () => {
        await a.addMember('r1', member('u1'), 10);
        await a.saveTransforms([{ roomId: 'r1', userId: 'u1', transform: transform(7) }]);
        for (const n of range(1, 55)) await a.appendChat(chat(n));
        const room = await b.getRoom('r1');
        expect(room.members).toEqual([member('u1')]);
        expect(room.transforms).toEqual({ u1: transform(7) });
        expect(room.chat).toEqual(range(6, 55).map((n) => chat(n)));
      });

      it('listRooms lists rooms with members and their counts; emptied rooms disappear', async () => {
        expect(await a.listRooms()).toEqual([]);
        await a.addMember('r1', member('u1'), 10);
        await b.addMember('r1', member('u2', { nodeId: 'node-b' }), 10);
        await b.addMember('r2', member('u3', { nodeId: 'node-b' }), 10);
        expect(byRoomId(await a.listRooms())).toEqual([
          { roomId: 'r1', members: 2 },
          { roomId: 'r2', members: 1 },
        ]);
        await b.removeMember('r2', 'u3', 'session-u3');
        expect(await b.listRooms()).toEqual([{ roomId: 'r1', members: 2 }]);
      });
    });

    describe('transforms', () => {
      it('saveTransforms keeps the latest transform per member, later entries winning', async () => {
        await a.addMember('r1', member('u1'), 10);
        await a.addMember('r1', member('u2'), 10);
        await a.addMember('r2', member('u1'), 10);
        await a.saveTransforms([
          { roomId: 'r1', userId: 'u1', transform: transform(1) },
          { roomId: 'r1', userId: 'u2', transform: transform(2) },
          { roomId: 'r1', userId: 'u1', transform: transform(3) },
          { roomId: 'r2', userId: 'u1', transform: transform(4) },
        ]);
        expect((await b.getRoom('r1')).transforms).toEqual({ u1: transform(3), u2: transform(2) });
        expect((await b.getRoom('r2')).transforms).toEqual({ u1: transform(4) });
        await b.saveTransforms([{ roomId: 'r1', userId: 'u2', transform: transform(5) }]);
        expect((await a.getRoom('r1')).transforms).toEqual({ u1: transform(3), u2: transform(5) });
      });

      it('saveTransforms does not resurrect a member who left, nor store one for a stranger', async () => {
        await a.addMember('r1', member('u1'), 10);
        await a.saveTransforms([{ roomId: 'r1', userId: 'u1', transform: transform(1) }]);
        await a.removeMember('r1', 'u1', 'session-u1');
        await b.saveTransforms([
          { roomId: 'r1', userId: 'u1', transform: transform(2) },
          { roomId: 'r1', userId: 'u9', transform: transform(3) },
        ]);
        expect(await a.getRoom('r1')).toEqual({ members: [], transforms: {}, chat: [] });
        expect(await a.listRooms()).toEqual([]);
      });

      it('saveTransforms of an empty batch does nothing', async () => {
        await expect(a.saveTransforms([])).resolves.toBeUndefined();
      });
    });

    describe('chat', () => {
      const t0 = 1_000_000;

      it('takeChatSlot allows 5 per 10 s, refuses the 6th until the oldest leaves the window', async () => {
        for (const i of range(0, 4)) expect(await a.takeChatSlot('u1', t0 + i * 1_000, 5, 10_000)).toEqual({ ok: true });
        expect(await a.takeChatSlot('u1', t0 + 5_000, 5, 10_000)).toEqual({ ok: false, retryAfterMs: 5_000 });
        expect(await a.takeChatSlot('u1', t0 + 9_999, 5, 10_000)).toEqual({ ok: false, retryAfterMs: 1 });
        expect(await a.takeChatSlot('u1', t0 + 10_000, 5, 10_000)).toEqual({ ok: true });
        // Refused attempts do not count; the oldest is now t0 + 1000.
        expect(await a.takeChatSlot('u1', t0 + 10_001, 5, 10_000)).toEqual({ ok: false, retryAfterMs: 999 });
      });

      it('the chat window is shared by every node and kept per user', async () => {
        for (const i of range(0, 2)) expect(await a.takeChatSlot('u1', t0 + i, 5, 10_000)).toEqual({ ok: true });
        for (const i of range(3, 4)) expect(await b.takeChatSlot('u1', t0 + i, 5, 10_000)).toEqual({ ok: true });
        expect(await a.takeChatSlot('u1', t0 + 5, 5, 10_000)).toEqual({ ok: false, retryAfterMs: 9_995 });
        expect(await b.takeChatSlot('u2', t0 + 5, 5, 10_000)).toEqual({ ok: true });
      });

      it('appendChat keeps the newest 50, oldest first, for every node', async () => {
        for (const n of range(1, 52)) await (n % 2 ? a : b).appendChat(chat(n));
        expect(ids((await a.getRoom('r1')).chat)).toEqual(ids(range(3, 52).map((n) => chat(n))));
        expect((await b.getRoom('r1')).chat).toEqual(range(3, 52).map((n) => chat(n)));
      });

      it('appendChat is idempotent per (user, clientMsgId): a resend returns the original and appends nothing', async () => {
        const first = { ...chat(1), clientMsgId: 'c1' };
        expect(await a.appendChat(first)).toBeUndefined();
        expect(await b.appendChat({ ...chat(2), clientMsgId: 'c1' })).toEqual(first);
        expect(await b.appendChat({ ...chat(3), userId: 'someone-else', clientMsgId: 'c1' })).toBeUndefined();
        expect(await a.appendChat(chat(4))).toBeUndefined();
        expect(ids((await a.getRoom('r1')).chat)).toEqual([chat(1).id, chat(3).id, chat(4).id]);
      });

      it('sendChat takes a slot and appends; past the limit it is rate_limited and appends nothing', async () => {
        for (const n of range(1, 5)) expect(await (n % 2 ? a : b).sendChat({ ...chat(n), ts: t0 + n }, 5, 10_000)).toEqual({ status: 'accepted' });
        expect(await a.sendChat({ ...chat(6), ts: t0 + 6 }, 5, 10_000)).toEqual({ status: 'rate_limited', retryAfterMs: 9_995 });
        expect(await a.sendChat({ ...chat(7), userId: 'u2', ts: t0 + 7 }, 5, 10_000)).toEqual({ status: 'accepted' });
        expect(ids((await b.getRoom('r1')).chat)).toEqual(ids([1, 2, 3, 4, 5, 7].map((n) => chat(n))));
        expect(await a.takeChatSlot('u1', t0 + 8, 5, 10_000)).toEqual({ ok: false, retryAfterMs: 9_993 });
      });

      it('sendChat of a resend (same user and clientMsgId) returns the original, appends nothing and takes no slot', async () => {
        const first = { ...chat(1), ts: t0, clientMsgId: 'c1' };
        expect(await a.sendChat(first, 2, 10_000)).toEqual({ status: 'accepted' });
        expect(await b.sendChat({ ...chat(2), ts: t0 + 1, clientMsgId: 'c1' }, 2, 10_000)).toEqual({ status: 'duplicate', original: first });
        expect(await b.sendChat({ ...chat(3), ts: t0 + 2, userId: 'someone-else', clientMsgId: 'c1' }, 2, 10_000)).toEqual({ status: 'accepted' });
        // The resend took no slot: u1 still has one of its two.
        expect(await a.sendChat({ ...chat(4), ts: t0 + 3 }, 2, 10_000)).toEqual({ status: 'accepted' });
        expect(ids((await a.getRoom('r1')).chat)).toEqual([chat(1).id, chat(3).id, chat(4).id]);
      });

      it('mergeChat takes the union by id, sorted by id, and is idempotent', async () => {
        for (const n of [1, 3, 5]) await a.appendChat(chat(n));
        await b.mergeChat('r1', [chat(4), chat(2), chat(3)]);
        expect((await a.getRoom('r1')).chat).toEqual(range(1, 5).map((n) => chat(n)));
        await a.mergeChat('r1', [chat(4), chat(2), chat(3)]);
        expect((await b.getRoom('r1')).chat).toEqual(range(1, 5).map((n) => chat(n)));
      });

      it('mergeChat keeps the newest 50 by id', async () => {
        for (const n of range(10, 49)) await a.appendChat(chat(n));
        await b.mergeChat('r1', [...range(1, 9), ...range(50, 60)].map((n) => chat(n)));
        expect((await a.getRoom('r1')).chat).toEqual(range(11, 60).map((n) => chat(n)));
      });

      it('mergeChat into a room without history stores the messages sorted', async () => {
        await a.mergeChat('r2', [chat(3, 'r2'), chat(1, 'r2')]);
        await a.mergeChat('r3', []);
        expect((await b.getRoom('r2')).chat).toEqual([chat(1, 'r2'), chat(3, 'r2')]);
        expect((await b.getRoom('r3')).chat).toEqual([]);
      });
    });

    describe('blocklists', () => {
      it('setBlocked adds and removes entries, seen by every node; lists are one-way', async () => {
        expect(await a.getBlocked('u1')).toEqual([]);
        await a.setBlocked('u1', 'u3', true);
        await a.setBlocked('u1', 'u2', true);
        await b.setBlocked('u1', 'u2', true);
        expect([...(await b.getBlocked('u1'))].sort()).toEqual(['u2', 'u3']);
        await b.setBlocked('u1', 'u3', false);
        await b.setBlocked('u1', 'nobody', false);
        expect(await a.getBlocked('u1')).toEqual(['u2']);
        expect(await a.getBlocked('u2')).toEqual([]);
      });

      it('a blocklist change is reported to every node', async () => {
        await a.setBlocked('u1', 'u2', true);
        await b.setBlocked('u1', 'u2', false);
        await ra.until('two changes on a', () => ra.blocksChanged.length === 2);
        await rb.until('two changes on b', () => rb.blocksChanged.length === 2);
        expect(ra.blocksChanged).toEqual(['u1', 'u1']);
        expect(rb.blocksChanged).toEqual(['u1', 'u1']);
      });
    });

    describe('pub/sub', () => {
      const event = (n: number): RoomEvent => ({ kind: 'chat', origin: 'node-a', message: chat(n) });

      it('a node subscribed to a room receives the events another node publishes there', async () => {
        await b.subscribeRoom('r1');
        a.publish('r1', event(1));
        const joined: RoomEvent = {
          kind: 'member_joined',
          origin: 'node-a',
          member: { userId: 'u1', displayName: 'U1', device: 'mobile', joinedAt: 5, transform: transform(1) },
        };
        a.publish('r1', joined);
        await rb.until('two events on b', () => rb.roomEvents.length === 2);
        expect(rb.roomEvents).toEqual([
          { roomId: 'r1', event: event(1) },
          { roomId: 'r1', event: joined },
        ]);
      });

      it('the publishing node receives its own events too (handlers filter on origin)', async () => {
        await a.subscribeRoom('r1');
        a.publish('r1', event(1));
        await ra.until('the event on a', () => ra.roomEvents.length === 1);
        expect(ra.roomEvents).toEqual([{ roomId: 'r1', event: event(1) }]);
      });

      it('after unsubscribeRoom, and for rooms never subscribed, nothing arrives', async () => {
        await b.subscribeRoom('r1');
        await b.subscribeRoom('r2');
        await b.unsubscribeRoom('r1');
        a.publish('r1', event(1));
        a.publish('r3', event(3));
        // Events from one publisher arrive in order: once r2's is here, r1's and r3's would have been.
        a.publish('r2', event(2));
        await rb.until('the r2 event on b', () => rb.roomEvents.length >= 1);
        expect(rb.roomEvents).toEqual([{ roomId: 'r2', event: event(2) }]);
        expect(ra.roomEvents).toEqual([]);
      });
    });

    describe('node leases (on the store\'s clock)', () => {
      const leaseMs = 300;
      /** Let every lease written so far lapse (a real wait: the store's clock decides). */
      const lapse = () => new Promise((resolve) => setTimeout(resolve, leaseMs + 60));

      async function seed(): Promise<void> {
        await a.heartbeat('node-x');
        await lapse();
        await a.heartbeat('node-a');
        await b.heartbeat('node-b');
        await b.heartbeat('node-y');
        await a.addMember('r1', member('u1', { nodeId: 'node-x' }), 10);
        await a.addMember('r1', member('u2', { nodeId: 'node-b' }), 10);
        await a.addMember('r1', member('u3', { nodeId: 'node-y' }), 10);
        await b.addMember('r2', member('u4', { nodeId: 'node-x' }), 10);
        await b.addMember('r2', member('u5', { nodeId: 'node-x' }), 10);
        await b.addMember('r3', member('u6', { nodeId: 'node-a' }), 10);
        await a.saveTransforms([
          { roomId: 'r1', userId: 'u1', transform: transform(1) },
          { roomId: 'r1', userId: 'u2', transform: transform(2) },
        ]);
      }
      const xMembers: ReapedMember[] = [
        { roomId: 'r1', userId: 'u1', nodeId: 'node-x' },
        { roomId: 'r2', userId: 'u4', nodeId: 'node-x' },
        { roomId: 'r2', userId: 'u5', nodeId: 'node-x' },
      ];

      it('heartbeat says whether the lease was there: false for a new (or reaped) node, true on renewal', async () => {
        expect(await a.heartbeat('node-n')).toBe(false);
        expect(await a.heartbeat('node-n')).toBe(true);
        await lapse();
        await b.heartbeat('node-b');
        await b.reapDeadNodes('node-b', leaseMs);
        expect(await a.heartbeat('node-n')).toBe(false); // it was reaped meanwhile: fenced
      });

      it('reapDeadNodes removes the members of a node whose lease ran out, and forgets the node', async () => {
        await seed();
        expect(byRoomAndUser(await a.reapDeadNodes('node-a', leaseMs))).toEqual(xMembers);
        const r1 = await b.getRoom('r1');
        expect({ ...r1, members: byUser(r1.members) }).toEqual({
          members: [member('u2', { nodeId: 'node-b' }), member('u3', { nodeId: 'node-y' })],
          transforms: { u2: transform(2) },
          chat: [],
        });
        expect(await b.getRoom('r2')).toEqual({ members: [], transforms: {}, chat: [] });
        expect(byRoomId(await b.listRooms())).toEqual([
          { roomId: 'r1', members: 2 },
          { roomId: 'r3', members: 1 },
        ]);
        expect(await b.reapDeadNodes('node-b', leaseMs)).toEqual([]);
      });

      it('each reaped member is returned to exactly one of two nodes reaping at once', async () => {
        await seed();
        const [byA, byB] = await Promise.all([a.reapDeadNodes('node-a', leaseMs), b.reapDeadNodes('node-b', leaseMs)]);
        expect(byRoomAndUser([...byA, ...byB])).toEqual(xMembers);
      });

      it('a node never reaps itself, but others reap it once its lease ran out', async () => {
        await a.heartbeat('node-a');
        await a.addMember('r1', member('u1', { nodeId: 'node-a' }), 10);
        await lapse();
        expect(await a.reapDeadNodes('node-a', leaseMs)).toEqual([]);
        expect((await a.getRoom('r1')).members).toEqual([member('u1', { nodeId: 'node-a' })]);
        expect(await b.reapDeadNodes('node-b', leaseMs)).toEqual([{ roomId: 'r1', userId: 'u1', nodeId: 'node-a' }]);
      });

      it('a member who moved to a live node is not reaped with its old node', async () => {
        await a.heartbeat('node-x');
        await a.addMember('r1', member('u1', { nodeId: 'node-x' }), 10);
        await b.addMember('r1', member('u1', { nodeId: 'node-b', sessionId: 'session-2' }), 10);
        await lapse();
        expect(await a.reapDeadNodes('node-a', leaseMs)).toEqual([]);
        expect((await a.getRoom('r1')).members).toEqual([member('u1', { nodeId: 'node-b', sessionId: 'session-2' })]);
      });

      it('a renewed lease keeps the node alive; dropNode forgets it', async () => {
        await a.heartbeat('node-x');
        await a.addMember('r1', member('u1', { nodeId: 'node-x' }), 10);
        await lapse();
        await a.heartbeat('node-x');
        expect(await b.reapDeadNodes('node-b', leaseMs)).toEqual([]);
        await a.dropNode('node-x');
        await lapse();
        expect(await b.reapDeadNodes('node-b', leaseMs)).toEqual([]);
        expect((await b.getRoom('r1')).members).toEqual([member('u1', { nodeId: 'node-x' })]);
      });
    });

    describe('reconciliation (compare-and-set re-assertion)', () => {
      const leaseMs = 5_000;

      it('re-adds a held membership the store lost, and keeps one it has', async () => {
        await a.heartbeat('node-a');
        await a.addMember('r1', member('u1', { nodeId: 'node-a' }), 10);
        const out = await a.reconcileRoom('r1', 'node-a', [member('u1', { nodeId: 'node-a' }), member('u2', { nodeId: 'node-a' })], leaseMs);
        expect(out).toMatchObject({ added: ['u2'], superseded: [], removed: [] });
        expect(byUser(out.members)).toEqual([member('u1', { nodeId: 'node-a' }), member('u2', { nodeId: 'node-a' })]);
        expect(byRoomId(await b.listRooms())).toEqual([{ roomId: 'r1', members: 2 }]);
      });

      it('never overwrites a live session of another node (the holder here is superseded)', async () => {
        await a.heartbeat('node-a');
        await b.heartbeat('node-b');
        await b.addMember('r1', member('u1', { nodeId: 'node-b', sessionId: 'new' }), 10);
        const out = await a.reconcileRoom('r1', 'node-a', [member('u1', { nodeId: 'node-a', sessionId: 'old' })], leaseMs);
        expect(out).toMatchObject({ added: [], superseded: ['u1'], removed: [] });
        expect((await b.getRoom('r1')).members).toEqual([member('u1', { nodeId: 'node-b', sessionId: 'new' })]);
      });

      it('takes over a membership whose node has no live lease', async () => {
        await a.heartbeat('node-a');
        await b.addMember('r1', member('u1', { nodeId: 'node-gone', sessionId: 'old' }), 10);
        const out = await a.reconcileRoom('r1', 'node-a', [member('u1', { nodeId: 'node-a', sessionId: 'mine' })], leaseMs);
        expect(out).toMatchObject({ added: ['u1'], superseded: [], removed: [] });
      });

      it('removes this node\'s records of sessions it no longer holds, and nobody else\'s', async () => {
        await a.heartbeat('node-a');
        await a.addMember('r1', member('u1', { nodeId: 'node-a' }), 10);
        await a.addMember('r1', member('u2', { nodeId: 'node-b' }), 10);
        await a.saveTransforms([{ roomId: 'r1', userId: 'u1', transform: transform(1) }]);
        const out = await a.reconcileRoom('r1', 'node-a', [], leaseMs);
        expect(out).toMatchObject({ added: [], superseded: [], removed: ['u1'] });
        expect(await b.getRoom('r1')).toEqual({ members: [member('u2', { nodeId: 'node-b' })], transforms: {}, chat: [] });
      });

      it('restoreMember puts the previous record back only while the given session holds it', async () => {
        await a.addMember('r1', member('u1', { sessionId: 'tab-1' }), 10);
        await a.addMember('r1', member('u1', { sessionId: 'tab-2' }), 10);
        expect(await a.restoreMember('r1', 'u1', 'tab-3', undefined)).toBe(false);
        expect(await a.restoreMember('r1', 'u1', 'tab-2', member('u1', { sessionId: 'tab-1' }))).toBe(true);
        expect((await b.getRoom('r1')).members).toEqual([member('u1', { sessionId: 'tab-1' })]);
        expect(await a.restoreMember('r1', 'u1', 'tab-1', undefined)).toBe(true);
        expect((await b.getRoom('r1')).members).toEqual([]);
      });
    });

    describe('node stats (admin API)', () => {
      const now = 1_000_000;
      const record = (nodeId: string, expiresAt: number, connections = 1): NodeStatsRecord => ({
        nodeId,
        expiresAt,
        stats: { connections, messagesInPerSec: { avatar_transform: 19.5 }, eventLoopDelayP99Ms: 1.25, storeUp: true },
      });

      it('every node lists every node\'s record, ordered by nodeId, value for value', async () => {
        await b.putNodeStats(record('node-b', now + 5_000));
        await a.putNodeStats(record('node-a', now + 5_000));
        expect(await b.listNodeStats(now)).toEqual([record('node-a', now + 5_000), record('node-b', now + 5_000)]);
        expect(await a.listNodeStats(now)).toEqual(await b.listNodeStats(now));
      });

      it('writing again replaces the node\'s record', async () => {
        await a.putNodeStats(record('node-a', now + 5_000, 1));
        await a.putNodeStats(record('node-a', now + 6_000, 7));
        expect(await b.listNodeStats(now)).toEqual([record('node-a', now + 6_000, 7)]);
      });

      it('a record is listed until its expiresAt, then forgotten even if the clock goes back', async () => {
        await a.putNodeStats(record('node-a', now + 5_000));
        await a.putNodeStats(record('node-x', now + 1_000));
        expect((await b.listNodeStats(now + 999)).map((r) => r.nodeId)).toEqual(['node-a', 'node-x']);
        expect((await b.listNodeStats(now + 1_000)).map((r) => r.nodeId)).toEqual(['node-a']);
        expect((await a.listNodeStats(now)).map((r) => r.nodeId)).toEqual(['node-a']);
        expect(await a.listNodeStats(now + 5_000)).toEqual([]);
      });
    });

    describe('lifecycle', () => {
      it('checkReady is true on a started store, false once closed; close is idempotent', async () => {
        expect(await a.checkReady(1_000)).toBe(true);
        expect(await b.checkReady(1_000)).toBe(true);
        await a.close();
        await a.close();
        expect(await a.checkReady(1_000)).toBe(false);
      });

      it('does not report a reconnection or a disconnection on a normal start', async () => {
        expect(await a.checkReady(1_000)).toBe(true);
        expect([ra.disconnected, ra.reconnected, rb.disconnected, rb.reconnected]).toEqual([0, 0, 0, 0]);
      });
    });
  });
}
