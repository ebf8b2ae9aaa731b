import { describe, expect, it } from 'vitest';
import { CLOSE_POLICY, CloseCode, closePolicy, reconnectDelay } from '../../client/index.js';
import { ReconnectPolicy } from '../../client/backoff.js';

describe('close policy table (contract section 5)', () => {
  it('says, for every close code of the protocol, exactly what the contract says', () => {
    const summary = Object.fromEntries(
      Object.entries(CLOSE_POLICY).map(([code, p]) => [code, p.reconnect ? `${p.backoff}${p.newToken === 'no' ? '' : `+token:${p.newToken}`}` : 'stop']),
    );
    expect(summary).toEqual({
      1000: 'stop',
      1001: 'normal',
      1009: 'stop',
      1011: 'normal',
      1013: 'long',
      4001: 'normal+token:once',
      4002: 'normal',
      4003: 'normal+token:always',
      4004: 'stop',
      4005: 'stop',
      4008: 'long',
      4009: 'stop',
      4010: 'normal',
    });
    expect(Object.keys(CLOSE_POLICY).map(Number).sort()).toEqual(Object.values(CloseCode).sort());
  });

  it('reconnects with the normal backoff on 1005, 1006 and codes the contract does not name', () => {
    for (const code of [1005, 1006, 1012, 4000, 4999]) expect(closePolicy(code)).toEqual({ reconnect: true, newToken: 'no', backoff: 'normal' });
  });
});

describe('reconnect delays', () => {
  const o = { baseMs: 250, maxMs: 4000, longBaseMs: 10_000 };

  it('normal: full jitter below a ceiling that doubles from 250 ms and stops at 4 s', () => {
    const top = [0, 1, 2, 3, 4, 5, 6, 30].map((a) => reconnectDelay(a, 'normal', { ...o, random: () => 0.999999 }));
    expect(top).toEqual([249, 499, 999, 1999, 3999, 3999, 3999, 3999]);
    expect(reconnectDelay(3, 'normal', { ...o, random: () => 0 })).toBe(0);
    expect(reconnectDelay(2, 'normal', { ...o, random: () => 0.5 })).toBe(500);
  });

  it('a first reconnect after a transient drop is scheduled within 250 ms, whatever the dice say', () => {
    for (let i = 0; i < 100; i++) expect(reconnectDelay(0, 'normal', { ...o, random: Math.random })).toBeLessThan(250);
  });

  it('long: at least half a ceiling that starts at 10 s and is capped at 60 s', () => {
    expect(reconnectDelay(0, 'long', { ...o, random: () => 0 })).toBe(5000);
    expect(reconnectDelay(0, 'long', { ...o, random: () => 0.999999 })).toBe(9999);
    expect(reconnectDelay(1, 'long', { ...o, random: () => 0 })).toBe(10_000);
    expect(reconnectDelay(9, 'long', { ...o, random: () => 0.999999 })).toBe(59_999);
  });
});

describe('ReconnectPolicy bookkeeping', () => {
  const make = () => new ReconnectPolicy({ baseMs: 100, maxMs: 1000, longBaseMs: 5000, random: () => 0.5 });

  it('allows one 4001 retry with a fresh token, then stops; a reset grants it again', () => {
    const p = make();
    expect(p.wouldRetry(4001)).toBe(true);
    expect(p.afterClose(4001)).toMatchObject({ reconnect: true, freshToken: true, attempt: 1 });
    expect(p.wouldRetry(4001)).toBe(false);
    expect(p.afterClose(4001)).toEqual({ reconnect: false, why: 'auth_failed_twice' });
    p.reset();
    expect(p.afterClose(4001)).toMatchObject({ reconnect: true, attempt: 1 });
  });

  it('asks for a fresh token on every 4003 and counts attempts for the backoff', () => {
    const p = make();
    const decisions = [p.afterClose(4003), p.afterClose(4003), p.afterClose(4003)];
    expect(decisions.map((d) => d.reconnect && [d.freshToken, d.attempt, d.delayMs])).toEqual([
      [true, 1, 50],
      [true, 2, 100],
      [true, 3, 200],
    ]);
  });

  it('never retries after 1000, 1009, 4004, 4005 or 4009', () => {
    for (const code of [1000, 1009, 4004, 4005, 4009]) expect(make().afterClose(code)).toEqual({ reconnect: false, why: 'no_reconnect' });
  });
});
