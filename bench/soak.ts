/**
 * `npm run bench -- --soak MINUTES`: one rtgw (Redis) under steady load for MINUTES: 500 clients at
 * 20/s with chat, and one client's socket killed every second (it reconnects as the SDK does).
 * Every 10 s after a warm-up: the gateway's RSS (/proc), JS heap in use and event-loop p99 (its
 * /metrics; p99 since the previous scrape, so each sample covers its own 10 s). Growth is judged on
 * two readings taken after a forced full GC (through the inspector), at the end of the warm-up and
 * at the end, where garbage cannot hide it; the 10 s samples give the trend in between.
 *
 *   RSS and heap: must not grow by more than 5 % from warm-up to end (after a forced GC).
 *   Event-loop p99: the mean of the last tenth of the samples must stay within 25 % (or 2 ms) of
 *   the first tenth's.
 */
import { cpus, loadavg } from 'node:os';
import { parseMetrics, sumOf } from '../load/gateway-metrics.js';
import { runLoad } from '../load/run.js';
import { startRedisServer } from '../scenarios/support/redis-server.js';
import { collectAndMeasure, type MemoryUsage } from './inspector.js';
import { rssBytes } from './proc-stats.js';
import { startRtgw } from './servers.js';

export interface SoakOptions {
  minutes: number;
  clients: number;
  log: (line: string) => void;
}

export const SOAK_DEFAULTS = { clients: 500, clientsPerRoom: 20, rate: 20, chatEvery: 10, killEvery: 1, sample: 0.25, sampleEveryS: 10, maxWarmupS: 120 } as const;
export const SOAK_LIMITS = { growthPct: 5, loopDriftPct: 25, loopDriftMs: 2 } as const;

export interface SoakSample {
  /** Seconds since the window opened. */
  atS: number;
  rssMiB: number;
  heapMiB: number;
  loopP99Ms: number;
  connections: number;
}

export interface SoakResult {
  tool: 'npm run bench -- --soak';
  startedAt: string;
  finishedAt: string;
  commit?: string;
  machine: { cpus: number; model: string; node: string; loadAvgAtStart: number[]; loadAvgAtEnd: number[] };
  options: Record<keyof typeof SOAK_DEFAULTS, number> & { minutes: number };
  warmupS: number;
  /** After the warm-up. */
  samples: SoakSample[];
  /** Forced full GC, then process.memoryUsage(), at the end of the warm-up and at the end (MiB). */
  afterGc: { warm: { rssMiB: number; heapMiB: number }; end: { rssMiB: number; heapMiB: number } };
  growth: { rssPct: number; heapPct: number; rssTrendPctPerHour: number; heapTrendPctPerHour: number };
  loop: { firstP99Ms: number; lastP99Ms: number; driftMs: number; trendMsPerHour: number };
  ok: boolean;
  reasons: string[];
  load: {
    delivered: number;
    direct: number;
    p50: number;
    p99: number;
    generatorReliable: boolean;
    generatorNotes: string[];
    kills: number;
    reconnects: number;
    chatSent: number;
    chatEchoed: number;
    errors: Record<string, number>;
    gatewayDrops?: Record<string, number>;
  };
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const startedAt = new Date().toISOString();
  const d = SOAK_DEFAULTS;
  const durationS = o.minutes * 60;
  const warmupS = Math.min(d.maxWarmupS, Math.round(durationS * 0.2));
  const loadAvgAtStart = loadavg().map(round2);
  const redisServer = await startRedisServer();
  const server = await startRtgw(redisServer.url, { inspect: true });
  const samples: SoakSample[] = [];
  let warm: MemoryUsage | undefined;
  let end: MemoryUsage | undefined;
  const timers: NodeJS.Timeout[] = [];
  let windowStart = 0;
  const scrape = async (): Promise<SoakSample> => {
    const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
    const m = parseMetrics(await res.text());
    return {
      atS: Math.round((performance.now() - windowStart) / 1000),
      rssMiB: round2(rssBytes(server.pid) / 2 ** 20),
      heapMiB: round2(sumOf(m, 'rtgw_nodejs_heap_size_used_bytes') / 2 ** 20),
      loopP99Ms: round2(sumOf(m, 'rtgw_event_loop_delay_p99_seconds') * 1000),
      connections: sumOf(m, 'rtgw_connections'),
    };
  };
  try {
    o.log(`soak: ${o.clients} clients at ${d.rate}/s, chat every ${d.chatEvery} s, a socket killed every ${d.killEvery} s, for ${o.minutes} min (warm-up ${warmupS} s, a sample every ${d.sampleEveryS} s)`);
    const result = await runLoad(
      { url: server.url, clients: o.clients, clientsPerRoom: d.clientsPerRoom, rate: d.rate, chatEvery: d.chatEvery, killEvery: d.killEvery, sample: d.sample, duration: durationS, ramp: 5 },
      {
        onWindow: async (edge) => {
          if (edge === 'start') {
            windowStart = performance.now();
            timers.push(
              setTimeout(() => {
                void (async () => {
                  warm = await collectAndMeasure(server.inspector!);
                  await scrape(); // resets the gateway's loop histogram after the forced GC's pause
                  o.log(`  warm: RSS ${mib(warm.rss)} MiB, heap ${mib(warm.heapUsed)} MiB after a forced GC`);
                  timers.push(
                    setInterval(() => {
                      void scrape().then((s) => {
                        samples.push(s);
                        if (samples.length % 6 === 0) o.log(`  ${s.atS} s: RSS ${s.rssMiB} MiB, heap ${s.heapMiB} MiB, loop p99 ${s.loopP99Ms} ms, ${s.connections} sockets`);
                      });
                    }, d.sampleEveryS * 1000),
                  );
                })();
              }, warmupS * 1000),
            );
            return;
          }
          for (const t of timers) clearTimeout(t);
          end = await collectAndMeasure(server.inspector!);
        },
      },
    );
    if (!warm || !end || samples.length < 2) throw new Error(`the soak took too few samples (${samples.length}): run it for at least a minute`);
    const afterGc = { warm: { rssMiB: mib(warm.rss), heapMiB: mib(warm.heapUsed) }, end: { rssMiB: mib(end.rss), heapMiB: mib(end.heapUsed) } };
    return {
      tool: 'npm run bench -- --soak',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, loadAvgAtStart, loadAvgAtEnd: loadavg().map(round2) },
      options: { ...d, minutes: o.minutes, clients: o.clients },
      warmupS,
      samples,
      afterGc,
      ...judgeSoak(samples, afterGc),
      load: {
        delivered: result.delivery.ratio,
        direct: result.delivery.directRatio,
        p50: result.latency.fanout.p50,
        p99: result.latency.fanout.p99,
        generatorReliable: result.generator.reliable,
        generatorNotes: result.generator.reasons,
        kills: result.kills,
        reconnects: result.reconnects,
        chatSent: result.chat.sent,
        chatEchoed: result.chat.echoed,
        errors: result.errors,
        gatewayDrops: result.gateway?.drops,
      },
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    await server.stop();
    await redisServer.stop();
  }
}

/** Growth from the two forced-GC readings, trends and loop drift from the samples, and the verdict (SOAK_LIMITS). */
export function judgeSoak(samples: SoakSample[], afterGc: SoakResult['afterGc']): Pick<SoakResult, 'growth' | 'loop' | 'ok' | 'reasons'> {
  const growth = {
    rssPct: pct(afterGc.warm.rssMiB, afterGc.end.rssMiB),
    heapPct: pct(afterGc.warm.heapMiB, afterGc.end.heapMiB),
    rssTrendPctPerHour: trendPerHour(samples, (s) => s.rssMiB, true),
    heapTrendPctPerHour: trendPerHour(samples, (s) => s.heapMiB, true),
  };
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const mean = (list: SoakSample[]) => round2(list.reduce((n, s) => n + s.loopP99Ms, 0) / list.length);
  const firstP99Ms = mean(samples.slice(0, tenth));
  const lastP99Ms = mean(samples.slice(-tenth));
  const loop = { firstP99Ms, lastP99Ms, driftMs: round2(lastP99Ms - firstP99Ms), trendMsPerHour: trendPerHour(samples, (s) => s.loopP99Ms, false) };
  const reasons: string[] = [];
  const L = SOAK_LIMITS;
  if (growth.rssPct > L.growthPct) reasons.push(`RSS grew ${growth.rssPct} % after warm-up (> ${L.growthPct} %)`);
  if (growth.heapPct > L.growthPct) reasons.push(`the JS heap grew ${growth.heapPct} % after warm-up (> ${L.growthPct} %)`);
  if (loop.driftMs > Math.max(L.loopDriftMs, (firstP99Ms * L.loopDriftPct) / 100)) reasons.push(`the event-loop p99 drifted from ${firstP99Ms} to ${lastP99Ms} ms`);
  return { growth, loop, ok: reasons.length === 0, reasons };
}

export function formatSoak(r: SoakResult): string {
  const l = r.load;
  return [
    `soak ${r.options.minutes} min: ${r.options.clients} clients at ${r.options.rate}/s, chat every ${r.options.chatEvery} s, ${l.kills} sockets killed (${l.reconnects} reconnects); warm-up ${r.warmupS} s, ${r.samples.length} samples`,
    `  RSS   ${r.afterGc.warm.rssMiB} -> ${r.afterGc.end.rssMiB} MiB after a forced GC (${signed(r.growth.rssPct)} %; trend ${signed(r.growth.rssTrendPctPerHour)} %/h)`,
    `  heap  ${r.afterGc.warm.heapMiB} -> ${r.afterGc.end.heapMiB} MiB after a forced GC (${signed(r.growth.heapPct)} %; trend ${signed(r.growth.heapTrendPctPerHour)} %/h)`,
    `  event loop p99  first tenth ${r.loop.firstP99Ms} ms, last tenth ${r.loop.lastP99Ms} ms (drift ${signed(r.loop.driftMs)} ms; trend ${signed(r.loop.trendMsPerHour)} ms/h)`,
    `  load  delivered ${(l.delivered * 100).toFixed(3)} % (direct ${(l.direct * 100).toFixed(1)} %), fan-out p50 ${l.p50} ms p99 ${l.p99} ms, chat ${l.chatEchoed}/${l.chatSent} echoed, generator ${l.generatorReliable ? 'reliable' : `UNRELIABLE (${l.generatorNotes.join('; ')})`}`,
    `  machine load average ${r.machine.loadAvgAtStart.join(' ')} at start, ${r.machine.loadAvgAtEnd.join(' ')} at end`,
    `  ${r.ok ? 'OK: no growth over 5 %, no drift' : `NOT OK: ${r.reasons.join('; ')}`}`,
  ].join('\n');
}

/** Least-squares slope per hour; as % of the fitted start value when `relative`. */
function trendPerHour(samples: SoakSample[], value: (s: SoakSample) => number, relative: boolean): number {
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.atS, 0) / n;
  const my = samples.reduce((a, s) => a + value(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.atS - mx) * (value(s) - my);
    den += (s.atS - mx) ** 2;
  }
  const slope = den > 0 ? num / den : 0; // per second
  const start = my - slope * (mx - samples[0]!.atS);
  return round2(relative ? (start > 0 ? (slope * 3600 * 100) / start : 0) : slope * 3600);
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const mib = (bytes: number) => round2(bytes / 2 ** 20);
const pct = (a: number, b: number) => round2(((b - a) / a) * 100);
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
