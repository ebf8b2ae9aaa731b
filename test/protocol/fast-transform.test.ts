/**
 * parseAvatarTransform (the gateway's hand-written check of its commonest message) against the
 * definition, AvatarTransformSchema: on generated input, both accept the same messages and parse
 * them to the same value, and the fast check refuses exactly what the schema refuses.
 */
import { describe, expect, it } from 'vitest';
import { AvatarTransformSchema, Limits, parseAvatarTransform } from '../../protocol/index.js';

/** A small deterministic PRNG (mulberry32), so a failure names a seed that reproduces it. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const M = Limits.MAX_ABS_COORD;
const NUMBERS = [0, -0, 1.5, -2.25, M, -M, M + 1, -M - 0.001, 1e300, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -1, 0.5, 3];
const ODD = [null, '1', true, [], {}, [1], 'walk', undefined];

function generate(rand: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const number = () => (rand() < 0.9 ? (rand() - 0.5) * 20 : pick(NUMBERS));
  const value = () => (rand() < 0.97 ? number() : pick(ODD));
  const coords = (n: number) => {
    const roll = rand();
    if (roll < 0.9) return Array.from({ length: n }, value);
    if (roll < 0.95) return Array.from({ length: n + pick([-1, 1, 2]) }, number);
    return pick(ODD);
  };
  const raw: Record<string, unknown> = { type: 'avatar_transform', p: coords(3), r: coords(4) };
  const roll = rand();
  if (roll < 0.5) raw.seq = rand() < 0.8 ? Math.floor(rand() * 1e6) : pick([...NUMBERS, ...ODD]);
  if (rand() < 0.4) raw.anim = rand() < 0.8 ? 'x'.repeat(Math.floor(rand() * (Limits.MAX_ANIM_LENGTH + 3))) : pick(ODD);
  if (rand() < 0.2) raw.extra = pick([1, 'x', null]);
  if (rand() < 0.05) delete raw.p;
  return JSON.parse(JSON.stringify(raw)) as Record<string, unknown>; // as it arrives: parsed JSON
}

describe('parseAvatarTransform agrees with AvatarTransformSchema', () => {
  it('on 20,000 generated messages: the same verdict and the same value', () => {
    const rand = prng(13);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = generate(rand);
      const fast = parseAvatarTransform(raw);
      const slow = AvatarTransformSchema.safeParse(raw);
      if (slow.success !== (fast !== undefined)) throw new Error(`verdicts differ on ${JSON.stringify(raw)}: schema ${slow.success}, fast ${fast !== undefined}`);
      if (slow.success) {
        expect(fast).toStrictEqual(slow.data);
        accepted++;
      }
    }
    // Both kinds of input were generated in earnest.
    expect(accepted).toBeGreaterThan(3_000);
    expect(accepted).toBeLessThan(17_000);
  });

  it('the boundaries: |coordinate| up to 1e6, seq a safe non-negative integer, anim up to 32 characters, unknown keys dropped', () => {
    const ok = { type: 'avatar_transform', p: [M, -M, 0], r: [0, 0, 0, 1], seq: Number.MAX_SAFE_INTEGER, anim: 'a'.repeat(32), extra: 1 };
    expect(parseAvatarTransform(ok)).toStrictEqual({ type: 'avatar_transform', p: [M, -M, 0], r: [0, 0, 0, 1], seq: Number.MAX_SAFE_INTEGER, anim: 'a'.repeat(32) });
    for (const bad of [{ p: [M + 1, 0, 0] }, { seq: -1 }, { seq: 1.5 }, { seq: Number.MAX_SAFE_INTEGER + 1 }, { anim: 'a'.repeat(33) }, { r: [0, 0, 1] }, { seq: null }]) {
      const raw = { ...ok, ...bad };
      expect(parseAvatarTransform(raw), JSON.stringify(bad)).toBeUndefined();
      expect(AvatarTransformSchema.safeParse(raw).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
