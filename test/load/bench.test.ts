/** The bench's pieces that do not need minutes: its flags, its ratios, and its /proc and Redis readings. */
import { describe, expect, it } from 'vitest';
import { cpus } from 'node:os';
import { parseBenchArgs, parseSoakArgs } from '../../bench/args.js';
import { BENCH_DEFAULTS, type StepResult } from '../../bench/harness.js';
import { coresBetween, cpuSeconds, listenOverflows, machineCoresBetween, markCpu, markMachine, rssBytes } from '../../bench/proc-stats.js';
import { commandDelta } from '../../bench/redis-stats.js';
import { judgeSoak, type SoakSample } from '../../bench/soak.js';
import { compareSteps } from '../../bench/report.js';

const step = (target: 'rtgw' | 'relay', over: Partial<StepResult>): StepResult => ({
  target,
  rooms: 50,
  clients: 1000,
  sentPerSec: 20_000,
  deliveredPerSec: 0,
  framesPerSec: 0,
  latency: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
  delivered: 1,
  direct: 1,
  serverCpu: 0,
  serverRssMiB: 0,
  deliveriesPerCpuSecond: 0,
  generatorCpu: 0,
  generatorReliable: true,
  generatorNotes: [],
  listenOverflows: 0,
  loadAvg: 0,
  machineCpu: 0,
  otherCpu: 0,
  limits: [],
  errors: {},
  ...over,
});

describe('bench', () => {
  it('flags default to 50/100/125 rooms of 20 at 20/s, a storm of 2,000 and 100 of each Redis operation; bad values are one clear error', () => {
    expect(parseBenchArgs([])).toEqual(BENCH_DEFAULTS);
    expect(BENCH_DEFAULTS).toMatchObject({ steps: [50, 100, 125], clientsPerRoom: 20, rate: 20, stormClients: 2000, redisOps: 100 });
    expect(parseBenchArgs(['--steps', '2,4', '--duration', '3', '--storm-clients', '200', '--redis-ops', '0'])).toMatchObject({ steps: [2, 4], duration: 3, stormClients: 200, redisOps: 0 });
    expect(() => parseBenchArgs(['--storm-clients', '2.5'])).toThrow('--storm-clients must be a whole number (got "2.5")');
    expect(() => parseBenchArgs(['--steps', '2,x'])).toThrow('--steps must be a number >= 0 (got "x")');
    expect(() => parseBenchArgs(['--steps', '0'])).toThrow('--steps must be whole numbers of rooms');
  });

  it('compares each rtgw step with the relay step of the same size (rtgw / relay), per core too', () => {
    const [c] = compareSteps([
      step('rtgw', { deliveredPerSec: 19_000, framesPerSec: 1_000, latency: { p50: 30, p90: 50, p99: 80, p999: 90, max: 100 }, serverCpu: 0.5, deliveriesPerCpuSecond: 38_000 }),
      step('relay', { deliveredPerSec: 9_500, framesPerSec: 9_500, latency: { p50: 5, p90: 50, p99: 160, p999: 300, max: 400 }, serverCpu: 1, deliveriesPerCpuSecond: 9_500 }),
    ]);
    expect(c).toMatchObject({ rooms: 50, deliveredRatio: 2, framesRatio: 0.11, p99Ratio: 0.5, cpuRatio: 0.5, efficiencyRatio: 4 });
  });

  it('the soak takes its length in minutes and its client count; anything else is one clear error', () => {
    expect(parseSoakArgs(['--soak', '30'])).toEqual({ minutes: 30, clients: 500 });
    expect(parseSoakArgs(['--soak', '2', '--clients', '100'])).toEqual({ minutes: 2, clients: 100 });
    expect(() => parseSoakArgs(['--soak', '0.5'])).toThrow('--soak must be a number of minutes >= 1 (got "0.5")');
    expect(() => parseSoakArgs(['--soak', '5', '--steps', '10'])).toThrow(/Unknown option '--steps'/);
  });

  it('the soak judges growth on its forced-GC readings and drift on its 10 s samples', () => {
    const samples = (loop: (i: number) => number): SoakSample[] => Array.from({ length: 20 }, (_, i) => ({ atS: i * 10, rssMiB: 150 + (i % 3), heapMiB: 40 + (i % 2), loopP99Ms: loop(i), connections: 500 }));
    const steady = judgeSoak(samples(() => 12), { warm: { rssMiB: 150, heapMiB: 40 }, end: { rssMiB: 153, heapMiB: 41 } });
    expect(steady).toMatchObject({ ok: true, reasons: [], growth: { rssPct: 2, heapPct: 2.5 }, loop: { firstP99Ms: 12, lastP99Ms: 12, driftMs: 0, trendMsPerHour: 0 } });
    const leaking = judgeSoak(samples((i) => 10 + i), { warm: { rssMiB: 150, heapMiB: 40 }, end: { rssMiB: 165, heapMiB: 40 } });
    expect(leaking.ok).toBe(false);
    expect(leaking.reasons).toEqual(['RSS grew 10 % after warm-up (> 5 %)', 'the event-loop p99 drifted from 10.5 to 28.5 ms']);
    expect(leaking.loop.trendMsPerHour).toBe(360); // 1 ms per 10 s sample
  });

  it('reads the whole machine\'s busy cores from /proc/stat', () => {
    const a = markMachine();
    const until = Date.now() + 100;
    while (Date.now() < until); // one core busy
    const busy = machineCoresBetween(a, markMachine(), cpus().length);
    expect(busy).toBeGreaterThan(0.5);
    expect(busy).toBeLessThanOrEqual(cpus().length);
  });

  it('reads CPU seconds and RSS of a process from /proc', async () => {
    const before = markCpu(process.pid);
    const until = Date.now() + 50;
    while (Date.now() < until); // burn a little CPU
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(coresBetween(before, markCpu(process.pid))).toBeGreaterThan(0);
    expect(rssBytes(process.pid)).toBeGreaterThan(10 * 2 ** 20);
    expect(listenOverflows()).toBeGreaterThanOrEqual(0);
  });

  it('a Redis command delta keeps only what grew', () => {
    const d = commandDelta({ total: 10, byCommand: { hset: 4, evalsha: 6 } }, { total: 25, byCommand: { hset: 14, evalsha: 6, publish: 5 } });
    expect(d).toEqual({ total: 15, byCommand: { hset: 10, publish: 5 } });
  });
});
