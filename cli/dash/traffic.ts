/** Counting what the dashboard sees, per second (sparklines) and over a sliding window (rates). */

/** Counts per whole second of the local clock, for the last `keepSeconds` seconds. */
export class SecondBuckets {
  private readonly counts = new Map<number, number>();

  constructor(private readonly keepSeconds = 120) {}

  add(now: number, n = 1): void {
    const second = Math.floor(now / 1000);
    this.counts.set(second, (this.counts.get(second) ?? 0) + n);
    if (this.counts.size > this.keepSeconds) {
      for (const s of this.counts.keys()) if (s <= second - this.keepSeconds) this.counts.delete(s);
    }
  }

  /** The last `n` complete seconds before `now`, oldest first (the current second is still filling). */
  series(now: number, n: number): number[] {
    const current = Math.floor(now / 1000);
    return Array.from({ length: n }, (_, i) => this.counts.get(current - n + i) ?? 0);
  }

  /** Mean per second over the last `n` complete seconds, or fewer when counting began (`since`) less than `n` s ago. */
  rate(now: number, n = 3, since = -Infinity): number {
    const seconds = Math.max(1, Math.min(n, Math.floor(now / 1000) - Math.floor(since / 1000)));
    return this.series(now, seconds).reduce((a, b) => a + b, 0) / seconds;
  }
}

/** Events per second over the last `windowMs`, or over the time watched so far when shorter. */
export class WindowRate {
  private readonly times: number[] = [];

  constructor(
    private readonly since: number,
    private readonly windowMs = 3_000,
  ) {}

  add(now: number): void {
    this.times.push(now);
    this.prune(now);
  }

  rate(now: number): number {
    this.prune(now);
    const span = Math.min(this.windowMs, Math.max(1_000, now - this.since));
    return (this.times.length * 1000) / span;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! < now - this.windowMs) drop++;
    if (drop) this.times.splice(0, drop);
  }
}
