/** What the coordinator (load/run.ts) and its workers (load/worker.ts) tell each other. */
import type { DeliveryCounters } from './delivery.js';
import type { ClientPlan } from './plan.js';

export interface WorkerSetup {
  /** Marks workerData as ours (load/worker.ts starts only for this). */
  rtgwLoadWorker: true;
  workerIndex: number;
  url: string;
  wsUrl: string;
  clients: ClientPlan[];
  /** Unix µs minus monotonic µs: the one clock of the run (load/clock.ts). */
  offsetUs: number;
  /** Unix µs of slot 0 for every sender (plus its phase). */
  epochUs: number;
  /** Requested transforms per second (capped per device). 0: idle. */
  rate: number;
  /** µs between a client's chat messages; 0: none. */
  chatEveryUs: number;
}

export type ToWorker =
  | { type: 'window'; startUs: number; endUs: number; excluded: string[] }
  /** Send the window's results now (the drain is over). */
  | { type: 'collect' }
  | { type: 'storm'; atUs: number; timeoutMs: number }
  | { type: 'stop' };

/** Cumulative counts of one worker. */
export interface WorkerCounters {
  /** Transforms written to sockets (whole run). */
  sent: number;
  /** Window slots: sent, jumped because this thread was late, due while not joined. */
  windowSent: number;
  windowSkipped: number;
  windowNotJoined: number;
  /** Transform entries and broadcast frames received (whole run / inside the window). */
  received: number;
  frames: number;
  windowReceived: number;
  windowFrames: number;
  chatsSent: number;
  chatsEchoed: number;
  reconnects: number;
  /** Broadcast frames the fast scan could not read (load/frame-scan.ts), parsed with JSON.parse instead. */
  scanFallbacks: number;
}

export interface Progress {
  workerIndex: number;
  /** Clients joined right now / ever / given up. */
  joined: number;
  everJoined: number;
  failed: number;
  counters: WorkerCounters;
  errors: number;
  errorCodes: Record<string, number>;
  /** Latency of transforms received in the last second (ms, sampled 1 in 4); -1 when none. */
  p50: number;
  p99: number;
  /** This thread's event-loop delay p99 over the last second (ms, beyond the timer's own 10 ms) and utilisation (0..1). */
  loopDelayP99: number;
  elu: number;
}

export interface WindowReport {
  workerIndex: number;
  counters: WorkerCounters;
  delivery: DeliveryCounters;
  errors: Record<string, number>;
  /** Encoded histograms (load/histogram.ts), all µs. */
  histograms: Record<HistogramName, string>;
  /** Event-loop delay over the window (ms beyond the timer resolution) and utilisation. */
  loopDelay: { p99: number; max: number };
  elu: number;
}

export type HistogramName = 'fanout' | 'inbound' | 'outbound' | 'connect' | 'chat' | 'ping' | 'sendLag';

export interface StormReport {
  workerIndex: number;
  /** Clients that were joined when the storm hit, and those of them joined again. */
  dropped: number;
  rejoined: number;
  /** Encoded histogram of storm -> room_state (µs). */
  rejoin: string;
  errors: Record<string, number>;
  /** This thread's event-loop delay during the storm (ms beyond the timer resolution): is the generator the bottleneck? */
  loopDelay: { p99: number; max: number };
}

export type FromWorker =
  | { type: 'joined'; userId: string; atUs: number }
  | { type: 'progress'; progress: Progress }
  | { type: 'window-report'; report: WindowReport }
  | { type: 'storm-report'; report: StormReport }
  | { type: 'stopped' }
  | { type: 'fatal'; message: string };
