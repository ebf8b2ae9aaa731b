/**
 * Delivered versus expected transforms, and fan-out latency, as one receiver sees one sender.
 *
 * Definitions (load/README.md explains why):
 * - Every sender has a fixed schedule: slot k (its `seq`) is due at intended(k). The measurement
 *   window is [startUs, endUs); a slot is *expected* at every other member of its room whose
 *   client joined before the window opened, whether or not the sender managed to send it.
 * - A receiver *covers* slot k when it first holds the sender's state at k or newer: on receiving
 *   seq j it covers every slot after the last one it covered, up to j. The gateway coalesces (newest
 *   per member per 50 ms flush), so a slot can be covered *directly* (k = j) or *superseded* (k < j:
 *   coalesced away, or dropped by a limiter, and then overtaken by a newer one).
 * - Fan-out latency of slot k at a receiver = the time it was covered - intended(k). A superseded
 *   slot therefore costs the time until the newer state arrived, and a sender that stalls (or a
 *   generator that falls behind) adds its delay: nothing hides latency by not sending.
 * - Delivered ratio = covered slots / expected slots, counting coverage up to the end of the drain
 *   after the window. The rest is *missing*.
 */
import type { Histogram } from './histogram.js';
import { recordUs } from './histogram.js';

export interface DeliveryCounters {
  /** Slots covered, by the slot itself or a newer one. */
  covered: number;
  direct: number;
  superseded: number;
  /** Transforms received whose seq was not newer than one already covered (a rejoin's room_state repeats the latest). */
  stale: number;
  /** Transforms not produced by this generator (no intended time in `anim`). */
  foreign: number;
}

export function emptyDeliveryCounters(): DeliveryCounters {
  return { covered: 0, direct: 0, superseded: 0, stale: 0, foreign: 0 };
}

export interface MeasureWindow {
  startUs: number;
  endUs: number;
  /** Senders that had not joined when the window opened: not expected, not counted. */
  excluded: ReadonlySet<string>;
}

interface PairState {
  /** Highest seq covered so far (-1: none). */
  last: number;
}

/** `anim` carries the slot's intended send time: "t" + Unix microseconds. */
export function animFor(intendedUs: number): string {
  return `t${intendedUs}`;
}

export function intendedFromAnim(anim: unknown): number {
  if (typeof anim !== 'string' || anim.charCodeAt(0) !== 116 /* t */) return Number.NaN;
  return Number(anim.slice(1));
}

/** What one receiver has covered of each sender in its room. */
export class ReceiverCoverage {
  private readonly pairs = new Map<string, PairState>();

  constructor(
    private readonly counters: DeliveryCounters,
    /** Fan-out latency of covered slots (µs). */
    private readonly latency: Histogram,
    private readonly intervalOf: (senderId: string) => number,
  ) {}

  /**
   * The receiver now holds `senderId`'s transform `seq` (from a broadcast, or the `room_state` of a
   * (re)join). `nowUs`: when it arrived; `window`: undefined until the window is known.
   * Returns true when the transform covered its own slot inside the window (a direct delivery).
   */
  observe(senderId: string, seq: number | undefined, intendedJ: number, nowUs: number, window: MeasureWindow | undefined): boolean {
    if (seq === undefined || Number.isNaN(intendedJ)) {
      this.counters.foreign++;
      return false;
    }
    let pair = this.pairs.get(senderId);
    if (!pair) this.pairs.set(senderId, (pair = { last: -1 }));
    if (seq <= pair.last) {
      this.counters.stale++;
      return false;
    }
    let direct = false;
    if (window && !window.excluded.has(senderId) && intendedJ >= window.startUs) {
      const interval = this.intervalOf(senderId);
      // The first slot inside the window: intended(k) >= startUs  <=>  k >= seq - floor((intendedJ - startUs) / interval).
      const firstInWindow = seq - Math.floor((intendedJ - window.startUs) / interval);
      for (let k = Math.max(pair.last + 1, firstInWindow); k <= seq; k++) {
        const intended = intendedJ - (seq - k) * interval;
        if (intended >= window.endUs) break;
        recordUs(this.latency, nowUs - intended);
        this.counters.covered++;
        if (k === seq) {
          this.counters.direct++;
          direct = true;
        } else this.counters.superseded++;
      }
    }
    pair.last = seq;
    return direct;
  }
}
