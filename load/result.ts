/** What a load run found: the JSON `--json` writes, and what thresholds and the table read. */
import type { GatewayStormStats, GatewayWindowStats } from './gateway-metrics.js';
import type { GeneratorHealth } from './health.js';
import type { LatencySummary } from './histogram.js';
import { STORM_PHASES, type StormPhase } from './messages.js';
import type { LoadOptions } from './options.js';
import type { ThresholdResult } from './thresholds.js';

export interface DeliveryResult {
  /** Slots of joined senders due inside the window, times the number of other joined measuring members of their room. */
  expected: number;
  /** Covered by the slot itself or by a newer one, before the drain ended. */
  covered: number;
  direct: number;
  superseded: number;
  missing: number;
  /** covered / expected (1 when nothing was expected). */
  ratio: number;
  /** direct / expected. */
  directRatio: number;
  /** Not newer than what the receiver already held (a rejoin's room_state repeats the latest). */
  stale: number;
  /** Transforms without our intended-time marker (another client in the same room). */
  foreign: number;
}

export interface StormResult {
  /** Clients joined when the storm hit, and how many of them joined again within the timeout. */
  dropped: number;
  rejoined: number;
  /** Storm to the last rejoin (ms); Infinity when some never rejoined. */
  allRejoinedMs: number;
  rejoin: LatencySummary;
  /**
   * Where each rejoin's time went (load/messages.ts StormPhase): wait (backoff and failed attempts),
   * token (only clients that fetched one: with tokens reused, its count is 0), connect, upgrade, join.
   */
  phases: Record<StormPhase, LatencySummary>;
  /** Connection attempts per rejoined client (1: the first worked). */
  attempts: { mean: number; max: number };
  /** Attempts abandoned after the SDK's connect timeout without a room_state. */
  connectTimeouts: number;
  /** SYNs the kernel dropped on a full accept queue during the storm (machine-wide ListenOverflows); absent where unreadable. */
  synDrops?: number;
  errors: Record<string, number>;
  /** The worst generator's event-loop delay during the storm (ms): high means the generator, not the gateway, was slow. */
  generatorLoopDelayP99Ms: number;
  /** The generator kept up during the storm (its event-loop p99 within load/health.ts's limit). */
  generatorReliable: boolean;
  /** From the gateway's /metrics, when it has one. */
  gateway?: GatewayStormStats;
}

export interface LoadResult {
  tool: 'rtgw load';
  startedAt: string;
  options: LoadOptions;
  runId: string;
  /** Effective per-client rates (capped at each device's limit). */
  rates: { desktop: number; mobile: number };
  /** `measuring`: joined clients that measured what they received (`sample`); the others only counted frames. */
  clients: { planned: number; joined: number; mobile: number; failed: number; measuring: number };
  window: { startMs: number; endMs: number; seconds: number; drainSeconds: number };
  latency: {
    fanout: LatencySummary;
    /** Direct deliveries only (sampled 1 in 4), split at the gateway's `ts` (ms resolution): a diagnostic. */
    inbound: LatencySummary;
    outbound: LatencySummary;
    connect: LatencySummary;
    chat: LatencySummary;
    ping: LatencySummary;
  };
  delivery: DeliveryResult;
  /** Per second of window, at every receiver (measuring or not). */
  throughput: { sent: number; delivered: number; frames: number; transformsPerFrame: number };
  chat: { sent: number; echoed: number };
  errors: Record<string, number>;
  errorCount: number;
  reconnects: number;
  /** Sockets dropped on purpose during the window (`killEvery`). */
  kills: number;
  storm?: StormResult;
  generator: GeneratorHealth;
  /** From the gateway's /metrics, when it has one. */
  gateway?: GatewayWindowStats;
  thresholds: ThresholdResult[];
}

/** The numbers thresholds can name (load/thresholds.ts METRICS). */
export function metricValues(r: LoadResult): Record<string, number> {
  const values: Record<string, number> = {};
  const latencies: Record<string, LatencySummary | undefined> = { fanout: r.latency.fanout, connect: r.latency.connect, chat: r.latency.chat, ping: r.latency.ping, storm: r.storm?.rejoin };
  for (const p of STORM_PHASES) latencies[`storm.${p}`] = r.storm?.phases[p];
  for (const [name, s] of Object.entries(latencies)) {
    if (!s || s.count === 0) continue;
    Object.assign(values, { [`${name}.p50`]: s.p50, [`${name}.p90`]: s.p90, [`${name}.p99`]: s.p99, [`${name}.p99.9`]: s.p999, [`${name}.max`]: s.max, [`${name}.mean`]: s.mean });
  }
  values.delivered = r.delivery.ratio;
  values.direct = r.delivery.directRatio;
  values.joined = r.clients.planned ? r.clients.joined / r.clients.planned : 0;
  values.errors = r.errorCount;
  values.reconnects = r.reconnects;
  values.throughput = r.throughput.delivered;
  values.frames = r.throughput.frames;
  values.sent = r.throughput.sent;
  if (r.storm) {
    values['storm.all'] = r.storm.allRejoinedMs;
    values['storm.timeouts'] = r.storm.connectTimeouts;
    if (r.storm.synDrops !== undefined) values['storm.syn_drops'] = r.storm.synDrops;
  }
  values.reliable = r.generator.reliable ? 1 : 0;
  return values;
}
