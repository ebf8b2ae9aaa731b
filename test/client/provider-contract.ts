/**
 * The provider contract: what an app may rely on whichever provider is behind `RealtimeProvider`.
 * Every provider runs this one suite (socket.io adapter style: `providerContract(name, harness)`).
 * A harness makes the provider under test and a "peer": another member of the room the test can
 * drive (a second WebSocket client for the ws provider, a scripted simulated member for the sim).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatRejectedError, RealtimeError, type ConnectionState, type RealtimeProvider, type Vec3 } from '../../client/index.js';
import { nextEvent, record, uid } from './helpers.js';

export interface Peer {
  userId: string;
  move(p: Vec3): void;
  chat(text: string): Promise<void>;
  leave(): Promise<void>;
}

export interface ContractHarness {
  setup(): Promise<void>;
  /** The provider under test, for user `userId`. */
  create(userId: string): RealtimeProvider;
  /** Another member joining `roomId` where `subject` already is. */
  addPeer(roomId: string, subject: RealtimeProvider): Promise<Peer>;
  teardown(): Promise<void>;
}

const R: [number, number, number, number] = [0, 0, 0, 1];

export function providerContract(name: string, harness: ContractHarness): void {
  describe(`RealtimeProvider contract: ${name}`, () => {
    const made: RealtimeProvider[] = [];
    const create = (prefix = 'alice') => {
      const p = harness.create(uid(prefix));
      made.push(p);
      return p;
    };
    beforeEach(() => harness.setup());
    afterEach(async () => {
      await Promise.all(made.splice(0).map((p) => p.disconnect()));
      await harness.teardown();
    });

    it('joinRoom resolves with the room, this client listed among its members, after connecting -> open', async () => {
      const alice = create();
      const states = record(alice, 'connectionState');
      const roomId = uid('room');
      const room = await alice.joinRoom(roomId);
      expect(room.roomId).toBe(roomId);
      expect(room.rejoined).toBe(false);
      const me = alice.getState().self!.userId;
      expect(room.self.userId).toBe(me);
      expect(room.members.map((m) => m.userId)).toContain(me);
      expect(states.map((s: ConnectionState) => s.status)).toEqual(['connecting', 'open']);
      expect(alice.getState().connection.status).toBe('open');
    });

    it('getState mirrors the room and is a copy that later events do not change', async () => {
      const alice = create();
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      const before = alice.getState();
      expect(before.roomId).toBe(roomId);
      const peer = await harness.addPeer(roomId, alice);
      expect(alice.getState().members.map((m) => m.userId)).toContain(peer.userId);
      expect(before.members.map((m) => m.userId)).not.toContain(peer.userId);
    });

    it("a peer joining is announced with memberJoined and listed with its display name", async () => {
      const alice = create();
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      const joined = record(alice, 'memberJoined');
      const peer = await harness.addPeer(roomId, alice);
      expect(joined.map((m) => m.userId)).toEqual([peer.userId]);
      const listed = alice.getState().members.find((m) => m.userId === peer.userId)!;
      expect(listed.displayName.length).toBeGreaterThan(0);
      expect(['desktop', 'mobile']).toContain(listed.device);
    });

    it("a peer's movement arrives as a transforms event and becomes its latest transform in getState", async () => {
      const alice = create();
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      const peer = await harness.addPeer(roomId, alice);
      const moved = nextEvent(alice, 'transforms', (list) => list.some((t) => t.userId === peer.userId && t.p[0] === 3));
      peer.move([3, 0, 4]);
      const t = (await moved).find((x) => x.userId === peer.userId)!;
      expect(t.p).toEqual([3, 0, 4]);
      expect(typeof t.ts).toBe('number');
      expect(alice.getState().members.find((m) => m.userId === peer.userId)!.transform).toBeDefined();
    });

    it("a peer's chat arrives once as a chat event and is kept in getState().chat", async () => {
      const alice = create();
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      const peer = await harness.addPeer(roomId, alice);
      const chats = record(alice, 'chat');
      const got = nextEvent(alice, 'chat', (m) => m.text === 'hello from the peer');
      await peer.chat('hello from the peer');
      const message = await got;
      expect(message).toMatchObject({ roomId, userId: peer.userId, text: 'hello from the peer' });
      expect(chats.filter((m) => m.id === message.id)).toHaveLength(1);
      expect(alice.getState().chat.filter((m) => m.id === message.id)).toHaveLength(1);
    });

    it("sendChat resolves with the server's echo (trimmed, this user, a clientMsgId), kept once in the chat", async () => {
      const alice = create();
      await alice.joinRoom(uid('room'));
      const chats = record(alice, 'chat');
      const echo = await alice.sendChat('  hi there  ');
      expect(echo.text).toBe('hi there');
      expect(echo.userId).toBe(alice.getState().self!.userId);
      expect(typeof echo.clientMsgId).toBe('string');
      expect(chats.map((m) => m.id)).toEqual([echo.id]);
      expect(alice.getState().chat.map((m) => m.id)).toEqual([echo.id]);
    });

    it('sendChat rejects empty and over-long text with ChatRejectedError (empty, too_long) and a chatRejected event', async () => {
      const alice = create();
      await alice.joinRoom(uid('room'));
      const rejected = record(alice, 'chatRejected');
      await expect(alice.sendChat('   ')).rejects.toMatchObject({ name: 'ChatRejectedError', reason: 'empty' });
      const long = '🙂'.repeat(241); // 241 code points, 482 UTF-16 units
      const err = await alice.sendChat(long).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatRejectedError);
      expect((err as ChatRejectedError).reason).toBe('too_long');
      await expect(alice.sendChat('🙂'.repeat(240))).resolves.toMatchObject({ text: '🙂'.repeat(240) });
      expect(rejected.map((r) => r.reason)).toEqual(['empty', 'too_long']);
    });

    it('the sixth chat message within 10 s is rejected as rate_limited with retryAfterMs, with a notice', async () => {
      const alice = create();
      await alice.joinRoom(uid('room'));
      const notices = record(alice, 'notice');
      for (let i = 1; i <= 5; i++) await alice.sendChat(`message ${i}`);
      const err = (await alice.sendChat('one too many').catch((e: unknown) => e)) as ChatRejectedError;
      expect(err).toBeInstanceOf(ChatRejectedError);
      expect(err.reason).toBe('rate_limited');
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(err.retryAfterMs).toBeLessThanOrEqual(10_000);
      expect(notices.some((n) => n.kind === 'rate_limited' && n.what === 'chat')).toBe(true);
    });

    it("sendTransform becomes this client's own transform in getState", async () => {
      const alice = create();
      await alice.joinRoom(uid('room'));
      alice.sendTransform([1, 2, 3], R, { anim: 'wave' });
      const me = alice.getState().members.find((m) => m.userId === alice.getState().self!.userId)!;
      expect(me.transform).toMatchObject({ p: [1, 2, 3], r: R, anim: 'wave' });
    });

    it('a transform sent before joining becomes this client\'s transform once joined', async () => {
      const alice = create();
      alice.sendTransform([4, 0, 4], R);
      const room = await alice.joinRoom(uid('room'));
      const me = alice.getState().members.find((m) => m.userId === room.self.userId)!;
      expect(me.transform).toMatchObject({ p: [4, 0, 4] });
    });

    it('connect() with no room resolves and stays idle; joinRoom then connects', async () => {
      const alice = create();
      await alice.connect();
      expect(alice.getState().connection.status).toBe('idle');
      await alice.joinRoom(uid('room'));
      expect(alice.getState().connection.status).toBe('open');
    });

    it('sendTransform refuses non-finite or out-of-range vectors with a TypeError', async () => {
      const alice = create();
      await alice.joinRoom(uid('room'));
      expect(() => alice.sendTransform([Number.NaN, 0, 0], R)).toThrow(TypeError);
      expect(() => alice.sendTransform([0, 0, 2e6], R)).toThrow(TypeError);
      expect(() => alice.sendTransform([0, 0] as unknown as Vec3, R)).toThrow(TypeError);
    });

    it('a peer leaving is announced with memberLeft (reason left) and removed from the state', async () => {
      const alice = create();
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      const peer = await harness.addPeer(roomId, alice);
      const left = nextEvent(alice, 'memberLeft', (e) => e.userId === peer.userId);
      await peer.leave();
      expect(await left).toEqual({ userId: peer.userId, reason: 'left' });
      expect(alice.getState().members.map((m) => m.userId)).not.toContain(peer.userId);
    });

    it('leaveRoom empties the room state but keeps the connection open; joining again works', async () => {
      const alice = create();
      await alice.joinRoom(uid('room'));
      await alice.leaveRoom();
      const state = alice.getState();
      expect(state).toMatchObject({ roomId: null, self: null, members: [], chat: [] });
      expect(state.connection.status).toBe('open');
      await expect(alice.sendChat('anyone?')).rejects.toMatchObject({ name: 'RealtimeError', code: 'not_in_room' });
      const again = uid('room');
      expect((await alice.joinRoom(again)).roomId).toBe(again);
    });

    it('joinRoom moves to another room: the new room state replaces the old one', async () => {
      const alice = create();
      await alice.joinRoom(uid('room'));
      await alice.sendChat('in the first room');
      const second = uid('room');
      const room = await alice.joinRoom(second);
      expect(room.roomId).toBe(second);
      expect(alice.getState().chat).toEqual([]);
    });

    it('on() returns a function that unsubscribes the handler', async () => {
      const alice = create();
      const seen: string[] = [];
      const off = alice.on('connectionState', (s) => seen.push(s.status));
      off();
      await alice.joinRoom(uid('room'));
      expect(seen).toEqual([]);
    });

    it('disconnect ends in closed with 1000 and rejects what was pending', async () => {
      const alice = create();
      const joining = alice.joinRoom(uid('room'));
      const closed = nextEvent(alice, 'connectionState', (s) => s.status === 'closed');
      await alice.disconnect();
      await expect(joining).rejects.toBeInstanceOf(RealtimeError);
      expect(await closed).toMatchObject({ status: 'closed', closeCode: 1000 });
      expect(alice.getState()).toMatchObject({ roomId: null, members: [] });
    });

    it('joinRoom rejects a malformed room id with a TypeError', async () => {
      const alice = create();
      await expect(alice.joinRoom('no spaces allowed')).rejects.toThrow(new TypeError('roomId must be 1..64 characters of [A-Za-z0-9_.:-]'));
    });
  });
}
