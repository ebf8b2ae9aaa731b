/** The generator's fast read of broadcast frames agrees with JSON.parse, or declines. */
import { describe, expect, it } from 'vitest';
import { countBroadcast, isBroadcast, scanBroadcast, type ScannedTransform } from '../../load/frame-scan.js';
import type { BroadcastTransform } from '../../protocol/index.js';

const entry = (i: number, extra: Partial<BroadcastTransform> = {}): BroadcastTransform => ({
  userId: `load-1a2b3c4d-r7-c${i}-d`,
  p: [1.234, 0, -2.5],
  r: [0, 0.1234, 0, 0.9923],
  seq: 1000 + i,
  anim: `t${1_764_161_234_567_890 + i}`,
  ts: 1_764_161_234_567 + i,
  ...extra,
});
// What gateway/room.ts sends: the prefix, JSON.stringify of each {userId, p, r, seq, anim, ts}, the suffix.
const frame = (transforms: object[]) => JSON.stringify({ type: 'avatar_transform_broadcast', transforms });
const pick = (t: BroadcastTransform): ScannedTransform => ({ userId: t.userId, seq: t.seq, anim: t.anim, ts: t.ts });
const scan = (text: string) => {
  const out: ScannedTransform[] = [];
  return scanBroadcast(text, out) ? out : undefined;
};

describe('scanBroadcast', () => {
  it('reads userId, seq, anim and ts of every entry, as JSON.parse does', () => {
    const transforms = Array.from({ length: 19 }, (_, i) => entry(i));
    expect(scan(frame(transforms))).toEqual(transforms.map(pick));
    expect(scan(frame([]))).toEqual([]);
  });

  it('entries without seq or anim (other clients) are read as undefined, not taken from the next entry', () => {
    const { seq: _s, anim: _a, ...bare } = entry(1);
    const transforms = [bare, entry(2), { ...entry(3), anim: undefined }];
    expect(scan(frame(transforms))).toEqual([
      { userId: bare.userId, seq: undefined, anim: undefined, ts: bare.ts },
      pick(entry(2)),
      { ...pick(entry(3)), anim: undefined },
    ]);
  });

  it.each([
    ['an escape in anim', frame([entry(1, { anim: 'wa"lk' })])],
    ['another key order', JSON.stringify({ type: 'avatar_transform_broadcast', transforms: [{ ts: 5, userId: 'a', seq: 1 }] })],
    ['a field after ts', frame([{ ...entry(1), extra: 1 }])],
    ['a truncated frame', frame([entry(1)]).slice(0, -3)],
  ])('declines %s (the caller falls back to JSON.parse)', (_name, text) => {
    expect(scan(text)).toBeUndefined();
  });

  it('only broadcast frames are candidates', () => {
    expect(isBroadcast(frame([entry(1)]))).toBe(true);
    expect(isBroadcast(JSON.stringify({ type: 'pong', serverTime: 1 }))).toBe(false);
  });

  it('receivers that do not measure count the transforms of a frame from its bytes', () => {
    expect(countBroadcast(Buffer.from(frame(Array.from({ length: 19 }, (_, i) => entry(i)))))).toBe(19);
    expect(countBroadcast(Buffer.from(frame([])))).toBe(0);
    expect(countBroadcast(Buffer.from(JSON.stringify({ type: 'pong', serverTime: 1 })))).toBe(-1);
  });

  it('is cheaper than JSON.parse on a 19-member frame (printed, not asserted: CI machines vary)', () => {
    const text = frame(Array.from({ length: 19 }, (_, i) => entry(i)));
    const out: ScannedTransform[] = [];
    const time = (f: () => void) => {
      const start = performance.now();
      for (let i = 0; i < 5_000; i++) f();
      return (performance.now() - start) / 5;
    };
    time(() => scanBroadcast(text, out));
    time(() => JSON.parse(text));
    const scanUs = time(() => scanBroadcast(text, out));
    const parseUs = time(() => JSON.parse(text));
    console.log(`19-member frame: scan ${scanUs.toFixed(1)} µs, JSON.parse ${parseUs.toFixed(1)} µs`);
    expect(out).toHaveLength(19);
  });
});
