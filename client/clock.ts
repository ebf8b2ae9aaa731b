/** The default clock: wall time and the global timers, looked up at call time (fake timers work). */
import type { Clock } from './types.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const MAX_TIMER_MS = 2 ** 31 - 1;

/** One resettable timer on a clock: at most one pending callback at a time. */
export class Timer {
  private handle: unknown = undefined;
  constructor(private readonly clock: Clock) {}

  get pending(): boolean {
    return this.handle !== undefined;
  }

  start(ms: number, fn: () => void): void {
    this.stop();
    // Timers overflow past 2^31-1 ms (~24.8 days) and would fire at once; a long token lifetime must not.
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      fn();
    }, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  }

  stop(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
