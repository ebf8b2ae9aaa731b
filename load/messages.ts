/** What the coordinator (load/run.ts) and its generators (load/worker.ts) tell each other. */
import type { DeliveryCounters } from './delivery.js';
import type { ClientPlan } from './plan.js';

/** Set in a generator process's environment (load/processes.ts): load/worker.ts then waits for its setup. */
export const WORKER_ENV = 'RTGW_LOAD_WORKER';

export interface WorkerSetup {
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
  /** In a process of its own: it reports its own CPU (on the calling thread the coordinator's covers it). */
  ownProcess: boolean;
}

export type ToWorker =
  | { type: 'window'; startUs: number; endUs: number; excluded: string[] }
  /** Send the window's results now (the drain is over). */
  | { type: 'collect' }
  | { type: 'storm'; atUs: number; timeoutMs: number }
  /** Drop this client's socket abruptly (no close frame); it reconnects as the SDK does. A no-op unless it is joined. */
  | { type: 'kill'; userId: string }
  | { type: 'stop' };

/** A generator process receives its setup first, then the coordinator's orders. */
export type ToChild = { type: 'setup'; setup: WorkerSetup } | ToWorker;

/** Cumulative counts of one worker. */
export interface WorkerCounters {
  /** Transforms written to sockets (whole run). */
  sent: number;
  /** Window slots: sent, jumped because this generator was late, due while not joined. */
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
  /** Sockets dropped on the coordinator's order (`killEvery`). */
  kills: number;
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
  /** This generator's event-loop delay p99 over the last second (ms, beyond the timer's own 10 ms) and utilisation (0..1). */
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
  /** CPU this generator process used over the window (µs, user + system); 0 on the calling thread (the coordinator counts it). */
  cpuUs: number;
}

export type HistogramName = 'fanout' | 'inbound' | 'outbound' | 'connect' | 'chat' | 'ping' | 'sendLag';

export interface StormReport {
  workerIndex: number;
  /** Clients that were joined when the storm hit, and those of them joined again. */
  dropped: number;
  rejoined: number;
  /** Encoded histograms (µs): storm -> room_state, and its phases for each client that rejoined (load/client.ts `StormPhases`). */
  rejoin: string;
  phases: Record<StormPhase, string>;
  /** Connection attempts the rejoined clients needed (1: the first one worked), summed, and the most one needed. */
  attempts: number;
  maxAttempts: number;
  errors: Record<string, number>;
  /** This generator's event-loop delay during the storm (ms beyond the timer resolution): is the generator the bottleneck? */
  loopDelay: { p99: number; max: number };
}

/**
 * Where one client's storm rejoin went, in order: `wait` (backoff, and attempts that failed),
 * `token` (POST /rooms/join, when it had no usable token), `connect` (socket created -> TCP
 * connected: a dropped SYN shows here), `upgrade` (the HTTP upgrade -> WebSocket 'open'), `join`
 * (join_room sent -> room_state). They add up to the rejoin.
 */
export type StormPhase = 'wait' | 'token' | 'connect' | 'upgrade' | 'join';
export const STORM_PHASES: readonly StormPhase[] = ['wait', 'token', 'connect', 'upgrade', 'join'];

export type FromWorker =
  | { type: 'joined'; userId: string; atUs: number }
  | { type: 'progress'; progress: Progress }
  | { type: 'window-report'; report: WindowReport }
  | { type: 'storm-report'; report: StormReport }
  | { type: 'stopped' }
  | { type: 'fatal'; message: string };
