/**
 * Per-connection limiters. They run on the per-message path, so they allocate nothing per call.
 * (Chat anti-spam is per user across nodes and lives in the store: `Store.takeChatSlot`.)
 */

/**
 * At most `limit` events in any window of `windowMs` (a sliding log in a ring buffer): a member
 * sending 100 transforms/s is seen by observers at exactly its device's rate, never a burst of 2x
 * across a window boundary as a fixed window would allow.
 */
export class SlidingWindowLimiter {
  private readonly times: Float64Array;
  private next = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.times = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY);
  }

  /** True (and recorded) if an event at `now` is within the limit. */
  take(now: number): boolean {
    // The slot we would overwrite holds the oldest of the last `limit` accepted events.
    if (now - this.times[this.next]! < this.windowMs) return false;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    return true;
  }
}

/** Counts events in fixed windows; `add` returns the count in the current window. */
export class WindowCounter {
  private windowStart = 0;
  private count = 0;

  constructor(readonly windowMs: number) {}

  add(now: number, n = 1): number {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += n;
    return this.count;
  }
}
