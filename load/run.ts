/**
 * The coordinator: plans the clients, starts the generator processes, opens the measurement window
 * once everyone joined, collects and merges what the generators measured, and judges the run.
 *
 *   ramp (arrivals) -> all joined (or joinTimeout) -> settle -> window [T1, T2) (kills, if asked)
 *   -> drain -> collect -> [storm: drop everyone, wait for all to rejoin] -> stop
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { assemble, stormResult, sumCounters } from './assemble.js';
import { RunClock, unixOffsetUs } from './clock.js';
import { scrapeMetrics, stormStats, windowStats, type MetricsSample } from './gateway-metrics.js';
import type { FromWorker, Progress, StormReport, ToWorker, WindowReport, WorkerCounters } from './messages.js';
import { listenOverflows, overflowsSince } from './netstat.js';
import { resolveLoadOptions, type LoadInput } from './options.js';
import { buildPlan } from './plan.js';
import { openChannel, resolveWorkers } from './processes.js';
import { metricValues, type LoadResult, type StormResult } from './result.js';
import { evaluateThresholds, type Threshold } from './thresholds.js';
import { loopDelayMs } from './worker.js';

/** The run could not produce a measurement (unreachable target, nobody joined, a generator crashed). */
export class LoadError extends Error {}

export type Phase = 'ramp' | 'settle' | 'window' | 'drain' | 'storm' | 'done';

export interface LiveStatus {
  phase: Phase;
  /** Seconds since the ramp started. */
  elapsed: number;
  planned: number;
  joined: number;
  failed: number;
  /** Per second, over the last progress period. */
  sentPerSec: number;
  deliveredPerSec: number;
  framesPerSec: number;
  /** Latency (intended send -> received) of transforms received in the last second, sampled 1 in 4 (ms; worst generator): -1 when none. */
  p50: number;
  p99: number;
  errors: number;
  reconnects: number;
  /** Worst generator's event-loop delay p99 over the last second (ms). */
  loopDelayP99: number;
}

export interface LoadHooks {
  onStatus?(status: LiveStatus): void;
  /** The window opens / closes now (the bench samples the server's CPU and memory here). */
  onWindow?(edge: 'start' | 'end'): void | Promise<void>;
  /** The storm is about to drop everyone / every generator reported its rejoins (the bench reads CPU and Redis here). */
  onStorm?(edge: 'start' | 'end'): void | Promise<void>;
}

const START_DELAY_US = 500_000; // generator processes need a moment to start before the first arrival

export async function runLoad(input: LoadInput & { thresholds?: Threshold[] }, hooks: LoadHooks = {}): Promise<LoadResult> {
  const options = resolveLoadOptions(input);
  await checkReachable(options.url);
  const startedAt = new Date().toISOString();
  const clock = new RunClock(unixOffsetUs());
  const runId = options.runId ?? `load-${randomBytes(4).toString('hex')}`;
  const rampStartUs = Math.round(clock.nowUs()) + START_DELAY_US;
  const plan = buildPlan({ runId, clients: options.clients, rooms: options.rooms, mobileRatio: options.mobileRatio, rampStartUs, rampUs: options.ramp * 1e6, rate: options.rate, sample: options.sample });
  const workerCount = resolveWorkers(options.workers, plan.length);
  const wsUrl = `${options.url.replace(/^http/, 'ws')}/realtime`;

  // ---------------------------------------------------------------- generators
  const joinedAt = new Map<string, number>();
  const progress = new Map<number, Progress>();
  const windowReports: WindowReport[] = [];
  const stormReports: StormReport[] = [];
  let stopped = 0;
  let fatal: string | undefined;
  const onMessage = (msg: FromWorker) => {
    if (msg.type === 'joined') joinedAt.set(msg.userId, msg.atUs);
    else if (msg.type === 'progress') progress.set(msg.progress.workerIndex, msg.progress);
    else if (msg.type === 'window-report') windowReports.push(msg.report);
    else if (msg.type === 'storm-report') stormReports.push(msg.report);
    else if (msg.type === 'stopped') stopped++;
    else if (msg.type === 'fatal') fatal ??= msg.message;
  };
  const generators = Math.max(1, workerCount);
  const channels = Array.from({ length: generators }, (_, w) =>
    openChannel(
      workerCount,
      {
        workerIndex: w,
        url: options.url,
        wsUrl,
        clients: plan.filter((c) => c.index % generators === w),
        offsetUs: clock.offsetUs,
        epochUs: rampStartUs,
        rate: options.rate,
        chatEveryUs: options.chatEvery * 1e6,
        ownProcess: workerCount > 0,
      },
      onMessage,
      (message) => (fatal ??= message),
    ),
  );
  const broadcast = (msg: ToWorker) => channels.forEach((c) => c.post(msg));
  const mainLoop = monitorEventLoopDelay({ resolution: 10 });
  mainLoop.enable();

  // ---------------------------------------------------------------- live status
  let phase: Phase = 'ramp';
  let previous: { at: number; totals: WorkerCounters } | undefined;
  const statusTimer = setInterval(() => {
    if (!hooks.onStatus || progress.size === 0) return;
    const list = [...progress.values()];
    const totals = sumCounters(list.map((p) => p.counters));
    const now = clock.nowUs();
    const seconds = previous ? (now - previous.at) / 1e6 : 1;
    const rate = (f: (c: WorkerCounters) => number) => (previous ? Math.round((f(totals) - f(previous!.totals)) / seconds) : 0);
    hooks.onStatus({
      phase,
      elapsed: Math.max(0, (now - rampStartUs) / 1e6),
      planned: plan.length,
      joined: list.reduce((n, p) => n + p.joined, 0),
      failed: list.reduce((n, p) => n + p.failed, 0),
      sentPerSec: rate((c) => c.sent),
      deliveredPerSec: rate((c) => c.received),
      framesPerSec: rate((c) => c.frames),
      p50: Math.max(...list.map((p) => p.p50)),
      p99: Math.max(...list.map((p) => p.p99)),
      errors: list.reduce((n, p) => n + p.errors, 0),
      reconnects: totals.reconnects,
      loopDelayP99: Math.max(...list.map((p) => p.loopDelayP99)),
    });
    previous = { at: now, totals };
  }, 1000);

  const failIfFatal = () => {
    if (fatal) throw new LoadError(`the load generator failed: ${fatal}`);
  };
  const finish = async () => {
    clearInterval(statusTimer);
    mainLoop.disable();
    broadcast({ type: 'stop' });
    await until(() => stopped >= channels.length || fatal !== undefined, 5000);
    await Promise.all(channels.map((c) => c.close()));
  };

  try {
    // ---------------------------------------------------------------- ramp: wait for everyone
    const joinDeadlineUs = rampStartUs + (options.ramp + options.joinTimeout) * 1e6;
    await until(() => joinedAt.size === plan.length || fatal !== undefined || clock.nowUs() > joinDeadlineUs || allGaveUp(progress, plan.length, joinedAt.size), Number.POSITIVE_INFINITY);
    failIfFatal();
    if (joinedAt.size === 0) throw new LoadError(`no client could join ${options.url}${describeErrors(progress)}`);

    // ---------------------------------------------------------------- the window
    phase = 'settle';
    const startUs = Math.round(clock.nowUs() + options.settle * 1e6);
    const endUs = startUs + Math.round(options.duration * 1e6);
    const excluded = plan.filter((c) => !joinedAt.has(c.userId)).map((c) => c.userId);
    broadcast({ type: 'window', startUs, endUs, excluded });
    let metricsStart: MetricsSample | undefined;
    let metricsEnd: MetricsSample | undefined;
    let cpuStart = process.cpuUsage();
    await sleepUntil(clock, startUs);
    phase = 'window';
    cpuStart = process.cpuUsage();
    mainLoop.reset();
    const killer = options.killEvery > 0 ? startKills(plan, options.killEvery, (userId, index) => channels[index % generators]!.post({ type: 'kill', userId })) : undefined;
    [metricsStart] = await Promise.all([scrapeMetrics(options.url), hooks.onWindow?.('start')]);
    await sleepUntil(clock, endUs);
    clearInterval(killer);
    const cpu = process.cpuUsage(cpuStart);
    phase = 'drain';
    [metricsEnd] = await Promise.all([scrapeMetrics(options.url), hooks.onWindow?.('end')]);
    await sleepUntil(clock, endUs + options.drain * 1e6);
    broadcast({ type: 'collect' });
    await until(() => windowReports.length === channels.length || fatal !== undefined, 30_000);
    failIfFatal();

    // ---------------------------------------------------------------- the storm
    let storm: StormResult | undefined;
    if (options.storm) {
      phase = 'storm';
      // This scrape also resets the gateway's event-loop histogram: the one after the storm covers the storm alone.
      const [before] = await Promise.all([scrapeMetrics(options.url), hooks.onStorm?.('start')]);
      const overflows = listenOverflows();
      const atUs = Math.round(clock.nowUs()) + 200_000;
      broadcast({ type: 'storm', atUs, timeoutMs: options.stormTimeout * 1000 });
      await until(() => stormReports.length === channels.length || fatal !== undefined, options.stormTimeout * 1000 + 10_000);
      failIfFatal();
      const synDrops = overflowsSince(overflows);
      const [after] = await Promise.all([before ? scrapeMetrics(options.url) : undefined, hooks.onStorm?.('end')]);
      storm = stormResult(stormReports, { synDrops, gateway: before && after ? stormStats(before, after) : undefined });
    }
    phase = 'done';

    const gateway = metricsStart && metricsEnd ? windowStats(metricsStart, metricsEnd) : undefined;
    // The coordinator's CPU, plus each generator process's own (0 when they ran on this thread: already counted).
    const cpuUs = cpu.user + cpu.system + windowReports.reduce((n, r) => n + r.cpuUs, 0);
    const result = assemble({
      options, runId, startedAt, plan, epochUs: rampStartUs, joinedAt, excluded: new Set(excluded), startUs, endUs, reports: windowReports, storm, gateway,
      workers: workerCount,
      cpuCores: cpuUs / (endUs - startUs),
      mainLoopDelayP99: loopDelayMs(mainLoop, 99),
    });
    result.thresholds = evaluateThresholds(input.thresholds ?? [], metricValues(result));
    return result;
  } finally {
    await finish();
  }
}

// ---------------------------------------------------------------- small helpers

/**
 * Bot kills: every `everyS` seconds one client's socket is dropped abruptly (it reconnects as the
 * SDK does). Victims follow a golden-ratio sequence over the plan: spread over rooms and generators,
 * the same in every run; one that is not joined at that moment is skipped by its generator.
 */
function startKills(plan: readonly { index: number; userId: string }[], everyS: number, kill: (userId: string, index: number) => void): NodeJS.Timeout {
  let n = 0;
  return setInterval(() => {
    const victim = plan[Math.floor(((++n * 0.6180339887498949) % 1) * plan.length)]!;
    kill(victim.userId, victim.index);
  }, everyS * 1000);
}

async function checkReachable(url: string): Promise<void> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`GET /healthz answered ${res.status}`);
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    throw new LoadError(`cannot reach ${url}: ${cause}`);
  }
}

function allGaveUp(progress: Map<number, Progress>, planned: number, joined: number): boolean {
  const failed = [...progress.values()].reduce((n, p) => n + p.failed, 0);
  return failed > 0 && joined + failed >= planned;
}

function describeErrors(progress: Map<number, Progress>): string {
  const codes: Record<string, number> = {};
  for (const p of progress.values()) for (const [code, n] of Object.entries(p.errorCodes)) codes[code] = (codes[code] ?? 0) + n;
  const top = Object.entries(codes).sort((a, b) => b[1] - a[1]).slice(0, 3);
  return top.length ? ` (${top.map(([code, n]) => `${code} x${n}`).join(', ')})` : '';
}

function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = () => {
      if (predicate()) return resolve(true);
      if (Date.now() >= deadline) return resolve(false);
      setTimeout(check, 50);
    };
    check();
  });
}

function sleepUntil(clock: RunClock, atUs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, (atUs - clock.nowUs()) / 1000)));
}
