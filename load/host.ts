/** What a generator shares with its clients: the clock, the tallies, the window. */
import type { RunClock } from './clock.js';
import type { DeliveryCounters, MeasureWindow } from './delivery.js';
import type { ScannedTransform } from './frame-scan.js';
import type { Histogram } from './histogram.js';
import type { HistogramName, WorkerCounters } from './messages.js';

export interface ClientHost {
  readonly clock: RunClock;
  readonly url: string;
  readonly wsUrl: string;
  readonly counters: WorkerCounters;
  readonly delivery: DeliveryCounters;
  readonly histograms: Readonly<Record<HistogramName, Histogram>>;
  /** Latency of what arrived in the current second (for the live status line). */
  readonly recent: Histogram;
  /** Reused by every client of the generator for the scanned transforms of one frame. */
  readonly scratch: ScannedTransform[];
  /** The window once known (for throughput: every receiver counts). */
  readonly window: MeasureWindow | undefined;
  /** The window for measuring receivers that joined before it opened; undefined otherwise or before it is known. */
  windowFor(receiverId: string): MeasureWindow | undefined;
  intervalOf(senderId: string): number;
  error(code: string): void;
  onJoined(userId: string, atUs: number): void;
}
