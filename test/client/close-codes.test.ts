/**
 * What the WebSocket provider does on every close code of the contract (section 5), against the
 * fake gateway, which can close with any code on demand. Delays are shortened through options;
 * which backoff was chosen is visible in the `reconnecting` state (`backoff`, `retryInMs`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode, RealtimeError, WsRealtimeProvider, type ConnectionState, type WsProviderOptions } from '../../client/index.js';
import { FakeGateway } from './fake-server.js';
import { nextEvent, record, uid, waitForStatus, wsCtor } from './helpers.js';

let fake: FakeGateway;
const providers: WsRealtimeProvider[] = [];
const make = (o: Partial<WsProviderOptions> = {}) => {
  const p = new WsRealtimeProvider({
    url: fake.url, userId: uid('u'), WebSocket: wsCtor,
    reconnectIntervalMs: 20, maxReconnectDelayMs: 40, longReconnectDelayMs: 300, ...o,
  });
  providers.push(p);
  return p;
};
/** Give a reconnect that must not happen the time it would have needed (normal backoff is <= 40 ms here). */
const quietPeriod = () => new Promise((r) => setTimeout(r, 300));

beforeEach(async () => {
  fake = await FakeGateway.start();
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.disconnect()));
  await fake.close();
});

describe('close codes that end the session: no reconnect', () => {
  for (const code of [CloseCode.NORMAL, CloseCode.MESSAGE_TOO_BIG, CloseCode.PROTOCOL_VIOLATION, CloseCode.SESSION_REPLACED, CloseCode.ROOM_FULL]) {
    it(`${code}: closed with that code, a disconnected notice, and no new connection`, async () => {
      const alice = make();
      await alice.joinRoom(uid('room'));
      const notices = record(alice, 'notice');
      const closed = waitForStatus(alice, 'closed');
      fake.closeAll(code, 'told to');
      expect(await closed).toMatchObject({ status: 'closed', closeCode: code });
      await quietPeriod();
      expect(fake.connections).toBe(1);
      expect(notices).toEqual([expect.objectContaining({ kind: 'disconnected', closeCode: code, willReconnect: false })]);
      expect(alice.getState()).toMatchObject({ roomId: null, members: [] });
    });
  }

  it('4005 (session replaced by another tab of the same user) leaves the other tab connected', async () => {
    const userId = uid('same-user');
    const tab1 = make({ userId });
    const tab2 = make({ userId });
    const roomId = uid('room');
    await tab1.joinRoom(roomId);
    const replaced = waitForStatus(tab1, 'closed');
    await tab2.joinRoom(roomId);
    expect(await replaced).toMatchObject({ closeCode: CloseCode.SESSION_REPLACED });
    await quietPeriod();
    expect(tab2.getState().connection.status).toBe('open');
    expect(fake.connections).toBe(2);
  });

  it('a join refused as room full (error room_full, then 4009) rejects joinRoom with the close code', async () => {
    await fake.close();
    fake = await FakeGateway.start({ maxRoomSize: 1 });
    const roomId = uid('room');
    await make().joinRoom(roomId);
    const bob = make();
    const notices = record(bob, 'notice');
    const err = (await bob.joinRoom(roomId).catch((e: unknown) => e)) as RealtimeError;
    expect(err).toBeInstanceOf(RealtimeError);
    expect(err).toMatchObject({ code: 'closed', serverCode: CloseCode.ROOM_FULL });
    expect(bob.getState().connection).toMatchObject({ status: 'closed', closeCode: CloseCode.ROOM_FULL });
    expect(notices.map((n) => n.kind)).toEqual(['error', 'disconnected']);
    expect(notices[0]).toMatchObject({ code: 'room_full' });
  });
});

describe('close codes that reconnect with the normal backoff and the same token', () => {
  for (const code of [CloseCode.GOING_AWAY, CloseCode.INTERNAL_ERROR, CloseCode.AUTH_TIMEOUT, CloseCode.SLOW_CONSUMER]) {
    it(`${code}: reconnecting (normal backoff), then open again in the same room`, async () => {
      const alice = make();
      const roomId = uid('room');
      await alice.joinRoom(roomId);
      const states = record(alice, 'connectionState');
      const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
      fake.closeAll(code);
      expect((await back).roomId).toBe(roomId);
      expect(states[0]).toMatchObject({ status: 'reconnecting', closeCode: code, backoff: 'normal', attempt: 1 });
      expect(states[0]!.retryInMs).toBeLessThan(20);
      expect(fake.tokensIssued).toHaveLength(1);
    });
  }

  it('1006 (connection lost without a close frame): reconnects with the same token', async () => {
    const alice = make();
    await alice.joinRoom(uid('room'));
    const lost = nextEvent(alice, 'connectionState', (s) => s.status === 'reconnecting');
    const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
    fake.dropAll();
    expect(await lost).toMatchObject({ closeCode: 1006, backoff: 'normal' });
    await back;
    expect(fake.tokensIssued).toHaveLength(1);
  });

  it('an unreachable gateway is retried with growing delays (full jitter, capped)', async () => {
    const alice = make({ random: () => 0.999 });
    await alice.joinRoom(uid('room'));
    const states = record(alice, 'connectionState');
    await fake.close();
    const fifth = nextEvent(alice, 'connectionState', (s) => s.status === 'reconnecting' && s.attempt === 5);
    await fifth;
    const delays = states.filter((s) => s.status === 'reconnecting').map((s) => s.retryInMs);
    // ceiling 20, 40, 40, 40 ... ms with random() = 0.999
    expect(delays.slice(0, 5)).toEqual([19, 39, 39, 39, 39]);
    fake = await FakeGateway.start({ port: fake.port }); // afterEach closes it
  });
});

describe('close codes that reconnect after a long backoff', () => {
  for (const code of [CloseCode.TRY_AGAIN_LATER, CloseCode.RATE_LIMIT_ABUSE]) {
    it(`${code}: waits at least half the long delay before reconnecting`, async () => {
      const alice = make();
      await alice.joinRoom(uid('room'));
      const lost = nextEvent(alice, 'connectionState', (s) => s.status === 'reconnecting');
      const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
      const closedAt = Date.now();
      fake.closeAll(code);
      const state = (await lost) as ConnectionState;
      expect(state).toMatchObject({ closeCode: code, backoff: 'long' });
      expect(state.retryInMs).toBeGreaterThanOrEqual(150);
      expect(state.retryInMs).toBeLessThanOrEqual(300);
      await back;
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(150);
    });
  }
});

describe('4001 (authentication failed): a new token, one retry', () => {
  it('a refused join is retried once with a newly fetched token, and the session opens', async () => {
    fake.refuseJoins = 1;
    const alice = make();
    const notices = record(alice, 'notice');
    const room = await alice.joinRoom(uid('room'));
    expect(room.rejoined).toBe(false);
    expect(fake.tokensIssued).toHaveLength(2);
    expect(notices[0]).toMatchObject({ kind: 'auth_error', code: 'token_invalid', willRetry: true });
  });

  it('a second 4001 in a row stops: closed, auth_error notice without retry, joinRoom rejects with auth_failed', async () => {
    fake.refuseJoins = 2;
    const alice = make();
    const notices = record(alice, 'notice');
    const err = (await alice.joinRoom(uid('room')).catch((e: unknown) => e)) as RealtimeError;
    expect(err).toBeInstanceOf(RealtimeError);
    expect(err.code).toBe('auth_failed');
    expect(err.serverCode).toBe(CloseCode.AUTH_FAILED);
    expect(alice.getState().connection).toMatchObject({ status: 'closed', closeCode: CloseCode.AUTH_FAILED });
    expect(notices.filter((n) => n.kind === 'auth_error').map((n) => n.kind === 'auth_error' && n.willRetry)).toEqual([true, false]);
    await quietPeriod();
    expect(fake.connections).toBe(2);
    expect(fake.tokensIssued).toHaveLength(2);
  });

  it('the single retry is granted again after each successful join', async () => {
    fake.refuseJoins = 1;
    const alice = make();
    await alice.joinRoom(uid('room')); // used its retry, then joined
    for (let i = 1; i <= 2; i++) {
      const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
      fake.closeAll(CloseCode.AUTH_FAILED, 'token_invalid');
      await back;
      expect(fake.tokensIssued).toHaveLength(2 + i);
    }
    expect(alice.getState().connection.status).toBe('open');
  });
});

describe('4003 (token expired): always a new token', () => {
  it('three expiries in a row each fetch a new token and reconnect', async () => {
    const alice = make();
    await alice.joinRoom(uid('room'));
    for (let i = 1; i <= 3; i++) {
      const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
      fake.closeAll(CloseCode.TOKEN_EXPIRED, 'token_expired');
      await back;
      expect(fake.tokensIssued).toHaveLength(1 + i);
    }
    const joins = [...fake.conns][0]!.received.filter((m) => m.type === 'join_room');
    expect(joins).toHaveLength(1);
  });
});

describe('liveness against a silent server', () => {
  it('a server that stops answering (socket still up) is treated as dropped after pingInterval + pongTimeout', async () => {
    const alice = make({ pingIntervalMs: 150, pongTimeoutMs: 150 });
    await alice.joinRoom(uid('room'));
    const lost = nextEvent(alice, 'connectionState', (s) => s.status === 'reconnecting');
    const silentAt = Date.now();
    fake.silent = true;
    expect(await lost).toMatchObject({ closeCode: 1006, reason: 'liveness timeout: no answer to ping' });
    expect(Date.now() - silentAt).toBeLessThan(600);
    const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
    fake.silent = false;
    await back;
  });
});
