/**
 * Token lifecycle of the WebSocket provider: proactive refresh at ~80% of the lifetime across
 * several expiries (real gateway and fake), a refused refresh, a token that expired while offline,
 * and token sources that fail (transiently, for good).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { devIssuerTokenSource, RealtimeError, TokenSourceError, WsRealtimeProvider, type GetToken, type WsProviderOptions } from '../../client/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { FakeGateway } from './fake-server.js';
import { nextEvent, record, uid, waitForStatus, wsCtor } from './helpers.js';
import { TcpProxy } from './tcp-proxy.js';

const providers: WsRealtimeProvider[] = [];
const cleanups: Array<() => Promise<void>> = [];
const make = (o: WsProviderOptions) => {
  const p = new WsRealtimeProvider({ WebSocket: wsCtor, reconnectIntervalMs: 20, maxReconnectDelayMs: 40, ...o });
  providers.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.disconnect()));
  for (const c of cleanups.splice(0)) await c();
  await closeTestGateways();
});

/** A token source that records what it handed out; `until(check)` is re-checked on every call. */
function counting(source: GetToken) {
  const calls: number[] = [];
  const expiries: number[] = [];
  const waiters: Array<{ check(): boolean; resolve(): void }> = [];
  const getToken: GetToken = async (roomId) => {
    calls.push(Date.now());
    const token = await source(roomId);
    expiries.push(token.expiresAt);
    for (const w of waiters.filter((x) => x.check())) w.resolve();
    return token;
  };
  const until = (check: () => boolean) => new Promise<void>((resolve) => (check() ? resolve() : waiters.push({ check, resolve })));
  return { calls, expiries, getToken, until };
}

describe('proactive token refresh', () => {
  it('with 2 s tokens on the real gateway, the session outlives three of them without a reconnect', async () => {
    // clockSkewS 1: the gateway closes with 4003 a second after a token expires, so only refreshes
    // keep us in (the second of slack keeps a loaded CI machine's late timers from failing the test).
    const gw = await startTestGateway({ tokenTtlSeconds: 2, clockSkewS: 1 });
    const userId = uid('refresher');
    const source = counting(devIssuerTokenSource({ url: gw.url, userId }));
    const alice = make({ url: gw.url, userId, getToken: source.getToken });
    const roomId = uid('room');
    await alice.joinRoom(roomId);
    const states = record(alice, 'connectionState');
    await source.until(() => source.expiries.filter((e) => e < Date.now()).length >= 3);
    expect(states).toEqual([]);
    await expect(alice.sendChat('still in')).resolves.toMatchObject({ text: 'still in' });
    const gaps = source.calls.slice(1).map((t, i) => t - source.calls[i]!);
    // 80% of a 1..2 s lifetime (whole seconds on the wire): never back to back. (That none came
    // after an expiry is shown by `states`: the gateway would have closed the session.)
    for (const gap of gaps) expect(gap).toBeGreaterThan(500);
  });

  it('with 3 s tokens on the fake gateway (which expires them to the millisecond), refresh_token keeps one socket through three lifetimes', async () => {
    const fake = await FakeGateway.start({ tokenTtlMs: 3000 });
    cleanups.push(() => fake.close());
    const alice = make({ url: fake.url, userId: uid('refresher') });
    await alice.joinRoom(uid('room'));
    const states = record(alice, 'connectionState');
    await fake.received('refresh_token', 3);
    expect(fake.connections).toBe(1);
    expect(fake.closesSent).toEqual([]);
    expect(states).toEqual([]);
    const refreshes = [...fake.conns][0]!.received.filter((m) => m.type === 'refresh_token');
    expect(new Set(refreshes.map((m) => m.type === 'refresh_token' && m.token)).size).toBe(3);
  });

  it('a refused refresh (auth_error) reconnects with a newly fetched token', async () => {
    const fake = await FakeGateway.start({ tokenTtlMs: 1000 });
    cleanups.push(() => fake.close());
    fake.refuseRefreshes = 1;
    const alice = make({ url: fake.url, userId: uid('u') });
    await alice.joinRoom(uid('room'));
    const back = await nextEvent(alice, 'roomState', (r) => r.rejoined);
    expect(back.rejoined).toBe(true);
    // 1 at join, 1 for the refused refresh, 1 fresh one to reconnect with.
    expect(fake.tokensIssued).toHaveLength(3);
    expect(fake.closesSent).toEqual([4001]);
    expect(alice.getState().connection.status).toBe('open');
  });
});

describe('tokens and offline periods', () => {
  it('a token that expired while offline is replaced before reconnecting (no 4003 round trip)', async () => {
    const fake = await FakeGateway.start({ tokenTtlMs: 1500 });
    const proxy = await TcpProxy.start(fake.port);
    cleanups.push(() => proxy.close(), () => fake.close());
    const alice = make({ url: fake.url, wsUrl: proxy.wsUrl, userId: uid('u'), refreshAt: 0.99 });
    await alice.joinRoom(uid('room'));
    const firstToken = fake.tokensIssued[0]!;
    proxy.refuseNew = true;
    const down = waitForStatus(alice, 'reconnecting');
    proxy.cutAll();
    await down;
    // Time has to pass here: the point is a token that expires while nothing can be done.
    await new Promise((r) => setTimeout(r, Math.max(0, firstToken.exp - Date.now()) + 50));
    const back = nextEvent(alice, 'roomState', (r) => r.rejoined);
    proxy.refuseNew = false;
    await back;
    expect(fake.tokensIssued.length).toBeGreaterThanOrEqual(2);
    expect(fake.closesSent).not.toContain(4003);
  });

  it('a token source failing with 503 is retried with backoff until it answers', async () => {
    const fake = await FakeGateway.start();
    cleanups.push(() => fake.close());
    fake.issuerFailure = { status: 503, count: 2 };
    const alice = make({ url: fake.url, userId: uid('u') });
    const states = record(alice, 'connectionState');
    await alice.joinRoom(uid('room'));
    expect(states.map((s) => s.status)).toEqual(['connecting', 'reconnecting', 'reconnecting', 'open']);
    expect(states[1]!.reason).toMatch(/answered 503/);
  });

  it('a token source answering 400 stops: closed, joinRoom rejects with token_source', async () => {
    const fake = await FakeGateway.start();
    cleanups.push(() => fake.close());
    fake.issuerFailure = { status: 400, count: 1 };
    const alice = make({ url: fake.url, userId: uid('u') });
    const err = (await alice.joinRoom(uid('room')).catch((e: unknown) => e)) as RealtimeError;
    expect(err).toBeInstanceOf(RealtimeError);
    expect(err.code).toBe('token_source');
    expect(err.message).toMatch(/answered 400 \(fake_failure: issuer failure\)/);
    expect(alice.getState().connection.status).toBe('closed');
  });

  it("an app getToken that throws (a browser fetch throws TypeError offline) is retried; TokenSourceError(retryable: false) stops", async () => {
    const fake = await FakeGateway.start();
    cleanups.push(() => fake.close());
    const dev = devIssuerTokenSource({ url: fake.url, userId: 'flaky' });
    let calls = 0;
    const alice = make({
      userId: 'flaky',
      getToken: async (roomId) => {
        if (++calls <= 2) throw new TypeError('Failed to fetch');
        return dev(roomId);
      },
    });
    await alice.joinRoom('r1');
    expect(calls).toBe(3);
    const refusing = make({ userId: 'nope', getToken: async () => Promise.reject(new TokenSourceError('not allowed in this room', false, 403)) });
    await expect(refusing.joinRoom('r1')).rejects.toMatchObject({ code: 'token_source', message: 'not allowed in this room' });
    expect(refusing.getState().connection.status).toBe('closed');
  });

  it('an app token source (getToken) is used instead of POST /rooms/join, with its wsUrl', async () => {
    const fake = await FakeGateway.start();
    cleanups.push(() => fake.close());
    const dev = devIssuerTokenSource({ url: fake.url, userId: 'app-user' });
    const asked: string[] = [];
    const alice = make({
      userId: 'app-user',
      getToken: async (roomId) => {
        asked.push(roomId);
        const t = await dev(roomId);
        return { token: t.token, expiresAt: t.expiresAt, wsUrl: fake.wsUrl };
      },
    });
    await alice.joinRoom('app-room');
    expect(asked).toEqual(['app-room']);
  });
});
