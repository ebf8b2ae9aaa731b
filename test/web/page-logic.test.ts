/**
 * The demo page's logic that needs no browser: URL parameters and flags, user ids, walking,
 * the words of its connection feedback, and avatar colours.
 */
import { describe, expect, it } from 'vitest';
import { ChatRejectedError, createRealtimeProvider } from '../../client/index.js';
import { colourFor } from '../../web/src/dom.js';
import { chatRejectionText, countCharacters, noticeToast, statusView } from '../../web/src/feedback-text.js';
import { inviteSearch, readLaunchParams } from '../../web/src/launch-params.js';
import { HeldDirections, directionForKey, frameDistance, poseToTransform, step, yawOf } from '../../web/src/movement.js';
import { tabSuffix, userIdFor } from '../../web/src/user-id.js';

describe('launch parameters', () => {
  it('room and name prefill the form and, both given, join at once; device is kept only when valid', () => {
    expect(readLaunchParams('?room=lobby&name=%20Ada%20&device=mobile')).toEqual({ name: 'Ada', room: 'lobby', device: 'mobile', autoJoin: true, env: {}, view: '3d', debug: false });
    expect(readLaunchParams('?room=lobby&device=tablet')).toMatchObject({ room: 'lobby', device: undefined, autoJoin: false });
    expect(readLaunchParams('')).toMatchObject({ name: '', room: '', autoJoin: false });
    expect(readLaunchParams(`?name=${'n'.repeat(40)}`).name).toHaveLength(32);
  });

  it('?provider and ?debug become SDK flags over the build-time ones; ?provider also overrides USE_MOCK_REALTIME', () => {
    expect(readLaunchParams('?provider=sim', { REALTIME_PROVIDER: 'ws' }).env).toEqual({ REALTIME_PROVIDER: 'sim' });
    expect(readLaunchParams('?provider=ws', { USE_MOCK_REALTIME: 'true' }).env).toEqual({ REALTIME_PROVIDER: 'ws' });
    expect(readLaunchParams('?debug', {}).env).toEqual({ REALTIME_RATE_LIMIT_DEBUG: 'true' });
    expect(readLaunchParams('', { REALTIME_PROVIDER: 'sim' }).env).toEqual({ REALTIME_PROVIDER: 'sim' });
    // The SDK, not the page, decides what a flag means.
    expect(createRealtimeProvider({ userId: 'u1', env: readLaunchParams('?provider=sim').env }).kind).toBe('sim');
    expect(() => createRealtimeProvider({ userId: 'u1', url: 'http://x', env: readLaunchParams('?provider=pigeon').env }))
      .toThrow('REALTIME_PROVIDER must be "ws" or "sim" (got "pigeon")');
  });

  it('an invite link names the room and keeps the provider flags, never the name', () => {
    expect(inviteSearch('lobby', '?room=x&name=Ada&provider=sim&debug=1')).toBe('?room=lobby&provider=sim&debug=1');
    expect(inviteSearch('a b', '')).toBe('?room=a+b');
  });
});

describe('user ids', () => {
  it('come from the display name plus the tab suffix and always fit the protocol', () => {
    expect(userIdFor('Ada Lovelace', 'x1y2z3')).toBe('ada-lovelace-x1y2z3');
    expect(userIdFor('Zoë Ñúñez', 'abc123')).toBe('zoe-nunez-abc123');
    expect(userIdFor('🙂🙂', 'abc123')).toBe('guest-abc123');
    expect(userIdFor('x'.repeat(32), 'abc123')).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/);
  });

  it('the suffix is kept in session storage, and made afresh when storage refuses', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const first = tabSuffix(storage);
    expect(first).toMatch(/^[a-z0-9]{6}$/);
    expect(tabSuffix(storage)).toBe(first);
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(tabSuffix(broken, () => 0.5)).toBe('iiiiii');
  });
});

describe('walking', () => {
  it('WASD and arrows map to directions by physical key', () => {
    expect(directionForKey('KeyW', 'z')).toBe('up'); // AZERTY: the key in W's place
    expect(directionForKey('ArrowLeft', 'ArrowLeft')).toBe('left');
    expect(directionForKey('KeyQ', 'q')).toBeUndefined();
  });

  it('walks at 3 m/s, diagonals no faster, facing the way it goes, within the floor', () => {
    const p0 = { x: 0, z: 0, yaw: 0 };
    expect(step(p0, ['right'], frameDistance(100))).toEqual({ x: 0.3, z: 0, yaw: Math.PI / 2 });
    const diag = step(p0, ['up', 'left'], 1)!;
    expect(Math.hypot(diag.x, diag.z)).toBeCloseTo(1, 9);
    expect(diag.yaw).toBeCloseTo(-3 * Math.PI / 4, 9);
    expect(step(p0, ['left', 'right'], 1)).toBeNull();
    expect(step({ x: 9.9, z: 0, yaw: 0 }, ['right'], 1)!.x).toBe(10);
    expect(frameDistance(5000)).toBeCloseTo(0.3, 9); // a tab back from the background does not teleport
  });

  it('a pose becomes a yaw quaternion that yawOf reads back', () => {
    for (const yaw of [0, Math.PI / 2, -Math.PI / 2, 3]) {
      const { p, r } = poseToTransform({ x: 1.23456, z: -2, yaw });
      expect(p).toEqual([1.235, 0, -2]);
      expect(yawOf(r)).toBeCloseTo(yaw, 2);
    }
  });

  it('keys and pointers hold directions separately; losing focus releases everything', () => {
    const held = new HeldDirections();
    held.press('up');
    held.press('left', 7);
    held.release('left', 8); // another pointer
    expect([...held.current()].sort()).toEqual(['left', 'up']);
    held.clear();
    expect(held.current().size).toBe(0);
  });
});

describe('connection feedback text', () => {
  it('the status says connected, connecting, reconnecting or offline in words', () => {
    expect(statusView({ status: 'open' }, 'ws')).toEqual({ key: 'connected', text: 'Connected' });
    expect(statusView({ status: 'open' }, 'sim')).toEqual({ key: 'connected', text: 'Connected (simulated)' });
    expect(statusView({ status: 'reconnecting', retryInMs: 300 }, 'ws')).toEqual({ key: 'reconnecting', text: 'Reconnecting…' });
    expect(statusView({ status: 'closed', reason: 'session replaced' }, 'ws')).toEqual({ key: 'offline', text: 'Offline' });
    expect(statusView(null, null)).toEqual({ key: 'offline', text: 'Offline' });
  });

  it('each SDK notice becomes a toast; a reconnect replaces its disconnect; final errors stay', () => {
    expect(noticeToast({ kind: 'disconnected', message: 'x', willReconnect: true })).toEqual({ key: 'connection', tone: 'warning', text: 'Connection lost. Reconnecting…' });
    expect(noticeToast({ kind: 'reconnected', message: 'Reconnected.', downtimeMs: 2345 })).toEqual({ key: 'connection', tone: 'success', text: 'Reconnected after 2.3 s.' });
    expect(noticeToast({ kind: 'disconnected', message: 'Disconnected: session replaced', closeCode: 4005, willReconnect: false }))
      .toEqual({ key: 'connection', tone: 'error', text: 'Disconnected: session replaced', sticky: true });
    expect(noticeToast({ kind: 'auth_error', code: 'token_invalid', message: 'bad signature', willRetry: true }))
      .toMatchObject({ key: 'auth', tone: 'warning', text: 'Authentication error (token_invalid): bad signature. Retrying with a new token.' });
    expect(noticeToast({ kind: 'rate_limited', what: 'chat', source: 'server', message: 'Too many messages; try again in 4 s.', retryAfterMs: 3500 }))
      .toEqual({ key: 'rate-chat', tone: 'warning', text: 'Rate limit: Too many messages; try again in 4 s.' });
    expect(noticeToast({ kind: 'rate_limited', what: 'transform', source: 'server', message: '', dropped: 3 }).text).toBe('Rate limit: the gateway dropped 3 movement updates.');
  });

  it('a refused chat message says why; the counter counts characters as the gateway does', () => {
    expect(chatRejectionText(new ChatRejectedError('too_long'))).toBe('Not sent: messages can be at most 240 characters.');
    expect(chatRejectionText(new ChatRejectedError('rate_limited', 'c1', 2100))).toBe('Not sent: too many messages. Try again in 3 s.');
    expect(countCharacters('  👋🏽 hi  ')).toBe(5);
  });
});

it('avatar colours are stable per user and readable: 4.5:1 or more against white', () => {
  const colours = new Set(Array.from({ length: 500 }, (_, i) => colourFor(`user-${i}`)));
  expect(colourFor('ada-abc123')).toBe(colourFor('ada-abc123'));
  expect(colours.size).toBe(12);
  for (const c of colours) expect(contrastWithWhite(c), c).toBeGreaterThanOrEqual(4.5);
});

function contrastWithWhite(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 1.05 / (0.2126 * r! + 0.7152 * g! + 0.0722 * b! + 0.05);
}
