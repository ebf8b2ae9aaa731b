/**
 * Turning what the generators reported into the run's result: merged histograms, summed counters,
 * and "expected" computed from the plan (load/delivery.ts has the definitions).
 */
import { emptyDeliveryCounters, type DeliveryCounters } from './delivery.js';
import type { GatewayWindowStats } from './gateway-metrics.js';
import type { GatewayStormStats } from './gateway-metrics.js';
import { HEALTH_LIMITS, judgeHealth } from './health.js';
import { merge, summarize } from './histogram.js';
import { STORM_PHASES, type HistogramName, type StormPhase, type StormReport, type WindowReport, type WorkerCounters } from './messages.js';
import type { LoadOptions } from './options.js';
import { intervalUs, slotsIn, type ClientPlan } from './plan.js';
import type { LoadResult, StormResult } from './result.js';
import { emptyWorkerCounters } from './worker.js';

export interface AssembleInput {
  options: LoadOptions;
  runId: string;
  startedAt: string;
  plan: ClientPlan[];
  /** Slot 0 of every sender (plus its phase). */
  epochUs: number;
  joinedAt: Map<string, number>;
  excluded: Set<string>;
  startUs: number;
  endUs: number;
  reports: WindowReport[];
  storm: StormResult | undefined;
  gateway: GatewayWindowStats | undefined;
  workers: number;
  cpuCores: number;
  mainLoopDelayP99: number;
}

export function assemble(a: AssembleInput): LoadResult {
  const { options, plan, startUs, endUs } = a;
  const seconds = (endUs - startUs) / 1e6;
  const counters = sumCounters(a.reports.map((r) => r.counters));
  const delivery = a.reports.reduce<DeliveryCounters>((t, r) => {
    for (const k of Object.keys(t) as Array<keyof DeliveryCounters>) t[k] += r.delivery[k];
    return t;
  }, emptyDeliveryCounters());
  const errors: Record<string, number> = {};
  for (const r of a.reports) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const h = (name: HistogramName) => summarize(merge(a.reports.map((r) => r.histograms[name])));

  // Expected: every joined sender's window slots, once per other joined *measuring* member of its room.
  const rooms = new Map<string, ClientPlan[]>();
  for (const c of plan) {
    if (a.excluded.has(c.userId)) continue;
    const list = rooms.get(c.roomId) ?? [];
    list.push(c);
    rooms.set(c.roomId, list);
  }
  let expected = 0;
  let windowSlots = 0;
  for (const members of rooms.values()) {
    const measuring = members.filter((c) => c.measured).length;
    for (const c of members) {
      const slots = slotsIn(a.epochUs + c.phaseUs, intervalUs(c.device, options.rate), startUs, endUs);
      windowSlots += slots;
      expected += slots * (measuring - (c.measured ? 1 : 0));
    }
  }
  const missing = Math.max(0, expected - delivery.covered);
  const loopP99 = Math.max(a.mainLoopDelayP99, ...a.reports.map((r) => r.loopDelay.p99));
  const generator = judgeHealth({
    workers: a.workers,
    loopDelayP99Ms: round2(loopP99),
    loopDelayMaxMs: round2(Math.max(...a.reports.map((r) => r.loopDelay.max))),
    elu: round2(Math.max(...a.reports.map((r) => r.elu))),
    sendLagP99Ms: h('sendLag').p99,
    windowSlots,
    sentSlots: counters.windowSent,
    skippedSlots: counters.windowSkipped,
    notJoinedSlots: counters.windowNotJoined,
    scanFallbacks: counters.scanFallbacks,
    cpuCores: round2(a.cpuCores),
  });
  return {
    tool: 'rtgw load',
    startedAt: a.startedAt,
    options,
    runId: a.runId,
    rates: { desktop: rateOf('desktop', options.rate), mobile: rateOf('mobile', options.rate) },
    clients: {
      planned: plan.length,
      joined: a.joinedAt.size,
      mobile: plan.filter((c) => c.device === 'mobile').length,
      failed: plan.length - a.joinedAt.size,
      measuring: plan.filter((c) => c.measured && !a.excluded.has(c.userId)).length,
    },
    window: { startMs: Math.round(startUs / 1000), endMs: Math.round(endUs / 1000), seconds, drainSeconds: options.drain },
    latency: { fanout: h('fanout'), inbound: h('inbound'), outbound: h('outbound'), connect: h('connect'), chat: h('chat'), ping: h('ping') },
    delivery: {
      expected,
      covered: delivery.covered,
      direct: delivery.direct,
      superseded: delivery.superseded,
      missing,
      ratio: expected ? delivery.covered / expected : 1,
      directRatio: expected ? delivery.direct / expected : 1,
      stale: delivery.stale,
      foreign: delivery.foreign,
    },
    throughput: {
      sent: Math.round(counters.windowSent / seconds),
      delivered: Math.round(counters.windowReceived / seconds),
      frames: Math.round(counters.windowFrames / seconds),
      transformsPerFrame: counters.windowFrames ? round2(counters.windowReceived / counters.windowFrames) : 0,
    },
    chat: { sent: counters.chatsSent, echoed: counters.chatsEchoed },
    errors,
    errorCount: Object.values(errors).reduce((n, v) => n + v, 0),
    reconnects: counters.reconnects,
    kills: counters.kills,
    storm: a.storm,
    generator,
    gateway: a.gateway,
    thresholds: [],
  };
}

function rateOf(device: 'desktop' | 'mobile', rate: number): number {
  const i = intervalUs(device, rate);
  return i ? round2(1e6 / i) : 0;
}

/** What the storm did, from the generators' reports and what the coordinator read around it. */
export function stormResult(reports: StormReport[], around: { synDrops: number | undefined; gateway: GatewayStormStats | undefined }): StormResult {
  const rejoin = merge(reports.map((r) => r.rejoin));
  const dropped = reports.reduce((n, r) => n + r.dropped, 0);
  const rejoined = reports.reduce((n, r) => n + r.rejoined, 0);
  const errors: Record<string, number> = {};
  for (const r of reports) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const summary = summarize(rejoin);
  const phases = Object.fromEntries(STORM_PHASES.map((p) => [p, summarize(merge(reports.map((r) => r.phases[p])))])) as Record<StormPhase, ReturnType<typeof summarize>>;
  const attempts = reports.reduce((n, r) => n + r.attempts, 0);
  const generatorLoopDelayP99Ms = round2(Math.max(0, ...reports.map((r) => r.loopDelay.p99)));
  return {
    dropped,
    rejoined,
    allRejoinedMs: rejoined === dropped ? summary.max : Number.POSITIVE_INFINITY,
    rejoin: summary,
    phases,
    attempts: { mean: rejoined ? round2(attempts / rejoined) : 0, max: Math.max(0, ...reports.map((r) => r.maxAttempts)) },
    connectTimeouts: errors.connect_timeout ?? 0,
    ...(around.synDrops === undefined ? {} : { synDrops: around.synDrops }),
    errors,
    generatorLoopDelayP99Ms,
    generatorReliable: generatorLoopDelayP99Ms <= HEALTH_LIMITS.loopDelayP99Ms,
    ...(around.gateway ? { gateway: around.gateway } : {}),
  };
}

export function sumCounters(list: WorkerCounters[]): WorkerCounters {
  const total = emptyWorkerCounters();
  for (const c of list) for (const k of Object.keys(total) as Array<keyof WorkerCounters>) total[k] += c[k];
  return total;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

