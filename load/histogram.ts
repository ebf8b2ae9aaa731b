/**
 * Latency histograms (HdrHistogram, 3 significant digits). Values are recorded in microseconds
 * and summarised in milliseconds. Workers ship theirs to the coordinator as compressed base64
 * (`encode`), where they are merged (`decode` + `add`): percentiles of the merged histogram are
 * the percentiles of every recorded value, not an average of per-worker percentiles.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** 1 hour: anything slower is recorded as this (and shows as max). */
const HIGHEST_US = 3_600_000_000;

export interface LatencySummary {
  /** Number of recorded values. */
  count: number;
  /** Milliseconds, rounded to 0.01 ms; all 0 when count is 0. */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export type { Histogram };

export function createHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: false });
}

/** Record a duration in microseconds (clamped to [0, 1 h]; fractions rounded). */
export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us <= 0 ? 0 : us >= HIGHEST_US ? HIGHEST_US : Math.round(us));
}

export function encode(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decode(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded);
}

/** One histogram holding every value of `parts` (encoded or not). */
export function merge(parts: Array<Histogram | string>): Histogram {
  const total = createHistogram();
  for (const part of parts) total.add(typeof part === 'string' ? decode(part) : part);
  return total;
}

const ms = (us: number) => Math.round(us / 10) / 100;

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue),
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}
