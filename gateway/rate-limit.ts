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

  /** Ms until `take` can succeed again (0 if it can now). */
  retryAfter(now: number): number {
    return Math.max(0, Math.ceil(this.windowMs - (now - this.times[this.next]!)));
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

/**
 * The transform limit, applied to what a sender's transforms *emit* (GCRA, the generic cell rate
 * algorithm): each emission moves a theoretical arrival time `tat` one interval (1000/rate ms) on,
 * and an emission conforms while `now >= tat - tolerance`. With a tolerance of three intervals a
 * sender may emit two or three in one flush after flushes without any, so a client sending at its
 * limit loses nothing to timer jitter or to an event loop that stalled for a flush or two, while the long-run rate never exceeds the limit and a
 * faster sender is seen at the limit, evenly spaced, always at its newest position.
 */
export class EmitShaper {
  private tat = Number.NEGATIVE_INFINITY;
  readonly intervalMs: number;
  private readonly toleranceMs: number;

  constructor(
    readonly ratePerSecond: number,
    bursts = 3,
  ) {
    this.intervalMs = 1000 / ratePerSecond;
    this.toleranceMs = bursts * this.intervalMs;
  }

  /** How many of `wanted` emissions conform at `now`; those are taken. */
  take(now: number, wanted: number): number {
    let n = 0;
    while (n < wanted && now >= this.tat - this.toleranceMs) {
      this.tat = Math.max(this.tat, now) + this.intervalMs;
      n++;
    }
    return n;
  }
}

/**
 * Sustained abuse: true once `limit` is exceeded in each of `seconds` consecutive one-second
 * windows (a burst, or a client sending at 2x its limit, never trips it).
 */
export class SustainedRate {
  private windowStart = 0;
  private count = 0;
  private overFor = 0;

  constructor(
    readonly limit: number,
    readonly seconds: number,
  ) {}

  /** Count one event at `now`; true when the rate has been over the limit long enough. */
  add(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      // A window with nothing in it (a gap of 2 s or more) also ends the run.
      const over = this.count > this.limit && now - this.windowStart < 2000;
      this.overFor = over ? this.overFor + 1 : 0;
      this.windowStart = now;
      this.count = 0;
    }
    this.count++;
    return this.overFor >= this.seconds - 1 && this.count > this.limit;
  }
}

/** A token bucket: up to `burst` at once, then one every `everyMs`. */
export class TokenBucket {
  private tokens: number;
  private at = Number.NEGATIVE_INFINITY;

  constructor(
    readonly burst: number,
    readonly everyMs: number,
  ) {
    this.tokens = burst;
  }

  take(now: number): boolean {
    if (now > this.at) this.tokens = Math.min(this.burst, this.tokens + (now - this.at) / this.everyMs);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
