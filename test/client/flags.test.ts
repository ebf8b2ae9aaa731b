import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRealtimeProvider, resolveFlags, SimRealtimeProvider, WsRealtimeProvider } from '../../client/index.js';

describe('which provider: flags and options', () => {
  it('is ws when nothing is set (USE_MOCK_REALTIME defaults to false)', () => {
    expect(resolveFlags({}, {})).toEqual({ provider: 'ws', reconnectIntervalMs: undefined, rateLimitDebug: false });
  });

  it('follows REALTIME_PROVIDER, and USE_MOCK_REALTIME=true|1 means sim, false|0 means ws', () => {
    expect(resolveFlags({}, { REALTIME_PROVIDER: 'sim' }).provider).toBe('sim');
    expect(resolveFlags({}, { REALTIME_PROVIDER: 'ws' }).provider).toBe('ws');
    expect(resolveFlags({}, { REALTIME_PROVIDER: ' SIM ' }).provider).toBe('sim');
    expect(resolveFlags({}, { USE_MOCK_REALTIME: 'true' }).provider).toBe('sim');
    expect(resolveFlags({}, { USE_MOCK_REALTIME: '1' }).provider).toBe('sim');
    expect(resolveFlags({}, { USE_MOCK_REALTIME: 'false' }).provider).toBe('ws');
    expect(resolveFlags({}, { USE_MOCK_REALTIME: '0' }).provider).toBe('ws');
  });

  it('agreeing flags are fine; an empty value counts as unset', () => {
    expect(resolveFlags({}, { REALTIME_PROVIDER: 'sim', USE_MOCK_REALTIME: 'true' }).provider).toBe('sim');
    expect(resolveFlags({}, { REALTIME_PROVIDER: 'ws', USE_MOCK_REALTIME: 'false' }).provider).toBe('ws');
    expect(resolveFlags({}, { REALTIME_PROVIDER: '', USE_MOCK_REALTIME: 'true' }).provider).toBe('sim');
  });

  it('an explicit provider option wins over both flags', () => {
    expect(resolveFlags({ provider: 'ws' }, { REALTIME_PROVIDER: 'sim', USE_MOCK_REALTIME: 'true' }).provider).toBe('ws');
    expect(resolveFlags({ provider: 'sim' }, { REALTIME_PROVIDER: 'ws' }).provider).toBe('sim');
  });

  it('conflicting flags are a TypeError unless an explicit option settles them', () => {
    expect(() => resolveFlags({}, { REALTIME_PROVIDER: 'ws', USE_MOCK_REALTIME: 'true' })).toThrow(
      new TypeError('REALTIME_PROVIDER=ws conflicts with USE_MOCK_REALTIME=true: remove one of them, or pass options.provider'),
    );
    expect(() => resolveFlags({}, { REALTIME_PROVIDER: 'sim', USE_MOCK_REALTIME: '0' })).toThrow(
      new TypeError('REALTIME_PROVIDER=sim conflicts with USE_MOCK_REALTIME=0: remove one of them, or pass options.provider'),
    );
    expect(resolveFlags({ provider: 'sim' }, { REALTIME_PROVIDER: 'ws', USE_MOCK_REALTIME: 'true' }).provider).toBe('sim');
  });

  it('unknown values are a TypeError naming the flag and the value, never a fallback', () => {
    expect(() => resolveFlags({}, { REALTIME_PROVIDER: 'websocket' })).toThrow(new TypeError('REALTIME_PROVIDER must be "ws" or "sim" (got "websocket")'));
    expect(() => resolveFlags({}, { USE_MOCK_REALTIME: 'yes' })).toThrow(new TypeError('USE_MOCK_REALTIME must be true, false, 1 or 0 (got "yes")'));
    expect(() => resolveFlags({}, { REALTIME_RECONNECT_INTERVAL_MS: '250ms' })).toThrow(
      new TypeError('REALTIME_RECONNECT_INTERVAL_MS must be an integer from 10 to 60000 (got "250ms")'),
    );
    expect(() => resolveFlags({}, { REALTIME_RECONNECT_INTERVAL_MS: '5' })).toThrow(TypeError);
    expect(() => resolveFlags({}, { REALTIME_RATE_LIMIT_DEBUG: 'on' })).toThrow(new TypeError('REALTIME_RATE_LIMIT_DEBUG must be true, false, 1 or 0 (got "on")'));
    expect(() => resolveFlags({ provider: 'mock' as 'sim' }, {})).toThrow(new TypeError('options.provider must be "ws" or "sim" (got "mock")'));
    expect(() => resolveFlags({ reconnectIntervalMs: -1 }, {})).toThrow(new TypeError('options.reconnectIntervalMs must be an integer from 10 to 60000 (got -1)'));
  });

  it('a bad flag is reported even when an explicit option overrides it (a typo should not sit unnoticed)', () => {
    expect(() => resolveFlags({ provider: 'ws' }, { REALTIME_PROVIDER: 'wss' })).toThrow(new TypeError('REALTIME_PROVIDER must be "ws" or "sim" (got "wss")'));
  });

  it('reads the reconnect interval and the rate-limit debug flag; explicit options win', () => {
    expect(resolveFlags({}, { REALTIME_RECONNECT_INTERVAL_MS: '500', REALTIME_RATE_LIMIT_DEBUG: 'true' })).toEqual({
      provider: 'ws', reconnectIntervalMs: 500, rateLimitDebug: true,
    });
    expect(resolveFlags({ reconnectIntervalMs: 100, rateLimitDebug: false }, { REALTIME_RECONNECT_INTERVAL_MS: '500', REALTIME_RATE_LIMIT_DEBUG: '1' })).toEqual({
      provider: 'ws', reconnectIntervalMs: 100, rateLimitDebug: false,
    });
  });
});

describe('createRealtimeProvider', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('builds the provider the flags name: swapping is a flag, not a code change', () => {
    const options = { url: 'http://localhost:8080', userId: 'u1' };
    expect(createRealtimeProvider({ ...options, env: {} })).toBeInstanceOf(WsRealtimeProvider);
    expect(createRealtimeProvider({ ...options, env: { USE_MOCK_REALTIME: 'true' } })).toBeInstanceOf(SimRealtimeProvider);
    expect(createRealtimeProvider({ ...options, env: { REALTIME_PROVIDER: 'sim' } }).kind).toBe('sim');
  });

  it('reads process.env in Node when no env object is given', () => {
    vi.stubEnv('REALTIME_PROVIDER', 'sim');
    vi.stubEnv('USE_MOCK_REALTIME', '');
    expect(createRealtimeProvider({ userId: 'u1' }).kind).toBe('sim');
    vi.stubEnv('REALTIME_PROVIDER', 'bogus');
    expect(() => createRealtimeProvider({ userId: 'u1' })).toThrow(new TypeError('REALTIME_PROVIDER must be "ws" or "sim" (got "bogus")'));
  });

  it('passes REALTIME_RECONNECT_INTERVAL_MS on to the ws provider', async () => {
    const p = createRealtimeProvider({ url: 'http://127.0.0.1:1', userId: 'u1', env: { REALTIME_RECONNECT_INTERVAL_MS: '1000' }, random: () => 0.5 });
    const state = new Promise((resolve) => p.on('connectionState', (s) => s.status === 'reconnecting' && resolve(s)));
    void p.joinRoom('r1').catch(() => {});
    // Nothing listens on port 1: the first retry waits random * 1000 ms.
    expect(await state).toMatchObject({ retryInMs: 500 });
    await p.disconnect();
  });

  it('rejects what cannot work with a TypeError: bad userId, bad device, ws without url or getToken', () => {
    expect(() => createRealtimeProvider({ userId: 'has space', env: {} })).toThrow(new TypeError('options.userId must be 1..64 characters of [A-Za-z0-9_.:-]'));
    expect(() => createRealtimeProvider({ userId: 'u1', device: 'tablet' as 'mobile', env: {} })).toThrow(
      new TypeError('options.device must be "desktop" or "mobile" (got "tablet")'),
    );
    expect(() => createRealtimeProvider({ userId: 'u1', env: {} })).toThrow(
      new TypeError('the ws provider needs options.url (the gateway base URL, e.g. http://localhost:8080) or options.getToken'),
    );
    expect(createRealtimeProvider({ userId: 'u1', env: { REALTIME_PROVIDER: 'sim' } }).kind).toBe('sim');
  });
});
