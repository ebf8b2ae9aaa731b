/** Histogram summaries: recorded in µs, reported in ms; merged across workers without losing values. */
import { describe, expect, it } from 'vitest';
import { createHistogram, decode, encode, merge, recordUs, summarize } from '../../load/histogram.js';

describe('latency histograms', () => {
  it('summarise 1..100,000 µs as percentiles in ms, within HDR precision (3 digits)', () => {
    const h = createHistogram();
    for (let us = 1; us <= 100_000; us++) recordUs(h, us);
    const s = summarize(h);
    expect(s.count).toBe(100_000);
    expect(s.min).toBe(0);
    expect(s.p50).toBeCloseTo(50, 0);
    expect(s.p90).toBeCloseTo(90, 0);
    expect(s.p99).toBeCloseTo(99, 0);
    expect(s.p999).toBeCloseTo(99.9, 0);
    expect(s.max).toBeCloseTo(100, 0);
    expect(s.mean).toBeCloseTo(50, 0);
    for (const [got, want] of [[s.p50, 50], [s.p99, 99], [s.max, 100]] as const) expect(Math.abs(got - want) / want).toBeLessThan(0.001);
  });

  it('an empty histogram summarises to zeros', () => {
    expect(summarize(createHistogram())).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });

  it('merging encoded worker histograms gives the percentiles of all values, not an average of percentiles', () => {
    const fast = createHistogram();
    const slow = createHistogram();
    for (let i = 0; i < 9_900; i++) recordUs(fast, 1_000); // 1 ms
    for (let i = 0; i < 100; i++) recordUs(slow, 500_000); // 500 ms
    const merged = summarize(merge([encode(fast), encode(slow)]));
    expect(merged.count).toBe(10_000);
    expect(merged.p50).toBeCloseTo(1, 1);
    expect(merged.p99).toBeCloseTo(1, 1); // 99 % of the values are 1 ms
    expect(merged.p999).toBeCloseTo(500, -1);
    expect(merged.max).toBeCloseTo(500, -1);
    // Encoding keeps counts per bucket: values come back within HDR precision (0.1 %).
    const back = summarize(decode(encode(slow)));
    for (const key of ['min', 'p50', 'p99', 'max'] as const) expect(Math.abs(back[key] - 500) / 500).toBeLessThan(0.001);
  });

  it('clamps negative durations to 0 and absurd ones to an hour, never throws', () => {
    const h = createHistogram();
    recordUs(h, -5);
    recordUs(h, 10 * 3_600_000_000);
    const s = summarize(h);
    expect(s.count).toBe(2);
    expect(s.max).toBeCloseTo(3_600_000, -3);
  });
});
