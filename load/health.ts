/**
 * Does the generator measure the gateway, or itself? It shares the machine with what it loads, so
 * it watches its own processes and calls a result unreliable when one of them fell behind: a late
 * receiver adds its lateness to every latency it records, a late sender to every slot it sends.
 */

export const HEALTH_LIMITS = {
  /** p99 event-loop delay of any generator process over the window (ms beyond the 10 ms sampling timer). */
  loopDelayP99Ms: 20,
  /** Event-loop utilisation of any generator process over the window: above this it has no slack left. */
  elu: 0.9,
  /** p99 lateness of sends behind their schedule (ms). */
  sendLagP99Ms: 10,
  /** Fraction of the window's slots a sender had to jump because its generator was late. */
  skippedRatio: 0.001,
} as const;

export interface GeneratorHealth {
  workers: number;
  /** Worst generator. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  elu: number;
  sendLagP99Ms: number;
  /** Send slots in the window: all of them, those sent, those jumped (its generator was late), those due while the sender was not joined. */
  windowSlots: number;
  sentSlots: number;
  skippedSlots: number;
  notJoinedSlots: number;
  /** Broadcast frames the fast scan could not read (load/frame-scan.ts): a format change makes the generator slower. */
  scanFallbacks: number;
  /** Process CPU of the generator over the window, in cores (1.0 = one core busy). */
  cpuCores: number;
  reliable: boolean;
  /** Why not, one sentence each. */
  reasons: string[];
}

export function judgeHealth(h: Omit<GeneratorHealth, 'reliable' | 'reasons'>): GeneratorHealth {
  const reasons: string[] = [];
  const L = HEALTH_LIMITS;
  if (h.loopDelayP99Ms > L.loopDelayP99Ms) reasons.push(`a generator's event loop lagged (p99 ${h.loopDelayP99Ms.toFixed(1)} ms > ${L.loopDelayP99Ms} ms): latencies include the generator's own delay`);
  if (h.elu > L.elu) reasons.push(`a generator process was busy ${(h.elu * 100).toFixed(0)} % of the window (> ${L.elu * 100} %): the generator is saturated`);
  if (h.sendLagP99Ms > L.sendLagP99Ms) reasons.push(`sends slipped behind schedule (p99 ${h.sendLagP99Ms.toFixed(1)} ms > ${L.sendLagP99Ms} ms)`);
  const skipped = h.windowSlots > 0 ? h.skippedSlots / h.windowSlots : 0;
  if (skipped > L.skippedRatio) reasons.push(`the generator jumped ${(skipped * 100).toFixed(2)} % of send slots (> ${L.skippedRatio * 100} %)`);
  return { ...h, reliable: reasons.length === 0, reasons };
}
