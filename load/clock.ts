/**
 * The one clock every generator process shares. `process.hrtime` is CLOCK_MONOTONIC: the same in
 * every thread and process on the machine, so a time taken in one generator can be subtracted from a
 * time taken in another (performance.now() cannot: each worker has its own time origin).
 *
 * Transforms carry their intended send time as Unix microseconds (integers, exact in a double),
 * so the coordinator fixes one offset between the monotonic clock and Unix time for the whole
 * run and hands it to the workers; `ts` from the gateway (Unix ms) can then be compared too.
 */

/** Monotonic microseconds (fractional). */
export function monoUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/** Unix microseconds minus monotonic microseconds, measured once by the coordinator. */
export function unixOffsetUs(): number {
  // Date.now() has 1 ms resolution: wait for a millisecond edge so the offset is good to ~10 µs.
  const start = Date.now();
  let now = start;
  while (now === start) now = Date.now();
  return now * 1000 - monoUs();
}

export class RunClock {
  constructor(readonly offsetUs: number) {}

  /** Unix microseconds on the shared clock. */
  nowUs(): number {
    return monoUs() + this.offsetUs;
  }

  nowMs(): number {
    return this.nowUs() / 1000;
  }
}
