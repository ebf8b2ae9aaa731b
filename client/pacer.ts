/**
 * Client-side pacing of transforms. The gateway accepts at most N transforms per member in any
 * 1000 ms window (desktop 20, mobile 15) and drops the excess. Apps call `sendTransform` every
 * frame (60+ Hz), so the pacer holds the newest pending transform and sends it no sooner than
 * `intervalMs` after the previous send. Spacing sends at least 1000/N ms apart keeps any 1000 ms
 * window at N or fewer; the safety factor (0.9 -> 18/s, 13.5/s) absorbs timer and network jitter
 * that bunches frames together on the way to the server.
 */
import { TRANSFORM_RATE_PER_SECOND, type Device } from '../protocol/index.js';
import { Timer } from './clock.js';
import type { Clock } from './types.js';

export function transformIntervalMs(device: Device, safety: number): number {
  return 1000 / (TRANSFORM_RATE_PER_SECOND[device] * safety);
}

export class TransformPacer<T> {
  private pending: T | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private readonly timer: Timer;
  private paused = true;
  private superseded = 0;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly send: (item: T) => void,
  ) {
    this.timer = new Timer(clock);
  }

  /** Replace whatever is pending with `item` and send it as soon as the pace allows. */
  push(item: T): void {
    if (this.pending !== null) this.superseded++;
    this.pending = item;
    this.flush();
  }

  /** Stop sending (not joined); the newest item stays pending for `resume`. */
  pause(): void {
    this.paused = true;
    this.timer.stop();
  }

  resume(): void {
    this.paused = false;
    this.flush();
  }

  /** Forget the pending item (left the room). */
  clear(): void {
    this.pending = null;
    this.timer.stop();
  }

  /** Items replaced before they were sent since the last call (for the rate-limit debug notice). */
  takeSuperseded(): number {
    const n = this.superseded;
    this.superseded = 0;
    return n;
  }

  private flush(): void {
    if (this.paused || this.pending === null || this.timer.pending) return;
    const wait = Math.ceil(this.lastSentAt + this.intervalMs - this.clock.now());
    if (wait > 0) {
      this.timer.start(wait, () => this.flush());
      return;
    }
    const item = this.pending;
    this.pending = null;
    this.lastSentAt = this.clock.now();
    this.send(item);
  }
}
