/** The bench's table (terminal) and summary (markdown), with rtgw / relay ratios per step. */
import { STORM_PHASES } from '../load/messages.js';
import type { BenchResult, StepResult } from './harness.js';
import type { OpCost, RedisCost } from './redis-cost.js';
import type { StormSummary } from './types.js';

export interface StepComparison {
  rooms: number;
  clients: number;
  rtgw: StepResult;
  relay: StepResult;
  /** rtgw / relay. */
  deliveredRatio: number;
  framesRatio: number;
  p99Ratio: number;
  cpuRatio: number;
  /** Deliveries per CPU-second, rtgw / relay: above x1 rtgw does more with each core. */
  efficiencyRatio: number;
}

export function compareSteps(steps: StepResult[]): StepComparison[] {
  const out: StepComparison[] = [];
  for (const rtgw of steps.filter((s) => s.target === 'rtgw')) {
    const relay = steps.find((s) => s.target === 'relay' && s.rooms === rtgw.rooms);
    if (!relay) continue;
    out.push({
      rooms: rtgw.rooms,
      clients: rtgw.clients,
      rtgw,
      relay,
      deliveredRatio: ratio(rtgw.deliveredPerSec, relay.deliveredPerSec),
      framesRatio: ratio(rtgw.framesPerSec, relay.framesPerSec),
      p99Ratio: ratio(rtgw.latency.p99, relay.latency.p99),
      cpuRatio: ratio(rtgw.serverCpu, relay.serverCpu),
      efficiencyRatio: ratio(rtgw.deliveriesPerCpuSecond, relay.deliveriesPerCpuSecond),
    });
  }
  return out;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN);
const ms = (n: number) => (n >= 100 ? int(n) : n.toFixed(1));
const int = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const x = (n: number) => (Number.isNaN(n) ? '-' : `x${n.toFixed(2)}`);

const HEAD = ['step', 'server', 'sent/s', 'delivered/s', 'frames/s', 'p50 ms', 'p99 ms', 'delivered', 'direct', 'CPU', 'deliv/CPU-s', 'RSS MiB', 'redis/tf', 'gen CPU', 'other CPU', 'load', 'gen ok', 'limits', 'SYN drops'];

function row(s: StepResult, label: string): string[] {
  return [
    label,
    s.target,
    int(s.sentPerSec),
    int(s.deliveredPerSec),
    int(s.framesPerSec),
    s.latency.p50.toFixed(1),
    s.latency.p99.toFixed(1),
    `${(s.delivered * 100).toFixed(2)}%`,
    `${(s.direct * 100).toFixed(1)}%`,
    s.serverCpu.toFixed(2),
    int(s.deliveriesPerCpuSecond),
    s.serverRssMiB.toFixed(0),
    s.redisCommandsPerTransform === undefined ? '-' : s.redisCommandsPerTransform.toFixed(4),
    s.generatorCpu.toFixed(2),
    s.otherCpu.toFixed(2),
    s.loadAvg.toFixed(1),
    s.generatorReliable ? 'yes' : 'NO',
    s.limits.join('+') || '-',
    int(s.listenOverflows),
  ];
}

/** The ratio row, aligned with HEAD. */
function ratioRow(c: StepComparison): string[] {
  const r = HEAD.map(() => '');
  r[1] = 'rtgw/relay';
  r[HEAD.indexOf('delivered/s')] = x(c.deliveredRatio);
  r[HEAD.indexOf('frames/s')] = x(c.framesRatio);
  r[HEAD.indexOf('p99 ms')] = x(c.p99Ratio);
  r[HEAD.indexOf('CPU')] = x(c.cpuRatio);
  r[HEAD.indexOf('deliv/CPU-s')] = x(c.efficiencyRatio);
  return r;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

const RATIO_NOTE = 'rtgw/relay: delivered/s and deliv/CPU-s above x1 = rtgw delivers more, and more per core; frames, p99 and CPU below x1 = rtgw needs fewer, is faster, is cheaper.';
const LIMITS_NOTE = 'limits: server = its process used >= 0.9 of a core; generator = the generator was not reliable (its latencies include its own delay); machine = >= 90 % of all cores busy. other CPU = the machine\'s busy cores that were neither the server, its Redis nor the generator.';

/** What the gateway's own /metrics said about each rtgw step: transforms it dropped on arrival, its event loop. */
function gatewayNotes(steps: StepResult[]): string[] {
  return steps
    .filter((s) => s.target === 'rtgw' && s.gatewayTransformsIn)
    .map((s) => {
      const limited = s.gatewayDrops?.rate_limited ?? 0;
      const share = ((limited / s.gatewayTransformsIn!) * 100).toFixed(1);
      return `rtgw ${s.rooms}x${s.clients / s.rooms}: the gateway dropped ${int(limited)} of ${int(s.gatewayTransformsIn)} transforms as rate_limited (${share} %); its event loop p99 ${s.gatewayLoopP99Ms ?? '-'} ms; ${int(s.deliveriesPerCpuSecondWithRedis)} deliveries per CPU-second of rtgw and its Redis together`;
    });
}

const COST_ROWS: Array<[keyof Pick<RedisCost, 'join' | 'joinFirst' | 'chat'>, string]> = [
  ['join', 'join, room with members'],
  ['joinFirst', 'join, first in its room'],
  ['chat', 'chat'],
];
const COST_HEAD = ['per operation', 'round trips waited', 'request bursts', 'requests', 'commands', 'script calls', 'p50 ms'];
const costRow = (label: string, c: OpCost) => [label, c.waitedRoundTrips.toFixed(1), c.roundTrips.toFixed(2), c.requests.toFixed(2), c.commands.toFixed(2), c.scriptCalls.toFixed(2), c.latencyMs.p50.toFixed(2)];
const costNote = (c: RedisCost) =>
  `Redis cost on a quiet rtgw, ${c.ops} of each, one after another: commands Redis executed (INFO commandstats, Lua-internal ones included), requests and request bursts the gateway sent (a counting proxy), and round trips waited = (p50 with every Redis answer held ${c.answerDelayMs} ms - p50 without) / ${c.answerDelayMs}. Background subtracted: ${c.background.commands} commands, ${c.background.roundTrips} bursts per second.`;

function stormLines(s: StormSummary): string[] {
  const counts = (o: Record<string, number>) => Object.entries(o).map(([k, n]) => `${k} ${int(n)}`).join(', ') || 'none';
  return [
    `${s.rejoined}/${s.dropped} rejoined; all within ${s.allRejoinedMs === null ? 'never' : `${int(s.allRejoinedMs)} ms`} (p50 ${int(s.p50)} ms, p99 ${int(s.p99)} ms); ${int(s.connectTimeouts)} connect timeouts; ${int(s.listenOverflows)} SYNs dropped on a full accept queue; attempts per client ${s.attempts.mean} (max ${s.attempts.max}); refused upgrades: ${counts(s.gatewayRefused)}`,
    `where the time went (ms): ${STORM_PHASES.map((p) => `${p} p50 ${ms(s.phases[p].p50)} / max ${ms(s.phases[p].max)}${p === 'token' ? ` (${int(s.phases[p].count)} fetched)` : ''}`).join('; ')}`,
    `server ${s.serverCpu} cores, Redis ${s.redisCpu} cores over the storm, ${s.redisCommandsPerRejoin} Redis commands per rejoin; gateway event loop p99 ${s.gatewayLoopP99Ms ?? '-'} ms; generator loop p99 ${s.generatorLoopDelayP99Ms} ms (${s.generatorReliable ? 'reliable' : 'UNRELIABLE: the generator lagged'})${Object.keys(s.errors).length ? `; errors: ${counts(s.errors)}` : ''}`,
  ];
}

export function formatBench(b: BenchResult): string {
  const lines: string[] = [];
  if (b.redisCost) {
    const c = b.redisCost;
    lines.push(table([COST_HEAD, ...COST_ROWS.map(([k, label]) => costRow(label, c[k]))]), costNote(c), '');
  }
  const rows: string[][] = [HEAD];
  const comparisons = compareSteps(b.steps);
  for (const c of comparisons) {
    rows.push(row(c.rtgw, `${c.rooms}x${b.options.clientsPerRoom}`), row(c.relay, ''), ratioRow(c));
  }
  if (rows.length > 1) lines.push(table(rows), RATIO_NOTE, LIMITS_NOTE, ...gatewayNotes(b.steps), '');
  for (const m of b.idle) {
    lines.push(`idle memory  ${m.target.padEnd(5)}  ${int(m.bytesPerClient)} bytes RSS per joined idle client (heap ${int(m.heapBytesPerClient)}, external ${int(m.externalBytesPerClient)}; RSS after GC ${m.rssBeforeMiB} -> ${m.rssAfterMiB} MiB over ${m.clients} clients)`);
  }
  if (b.storm) {
    const [first, ...rest] = stormLines(b.storm);
    lines.push(`storm        rtgw   ${first}`, ...rest.map((l) => `                    ${l}`));
  }
  lines.push(`machine      ${b.machine.cpus} x ${b.machine.model}; load average at start ${b.machine.loadAvgAtStart.join(' ')}; generator and servers share these cores`);
  return lines.join('\n');
}

export function benchMarkdown(b: BenchResult): string {
  const comparisons = compareSteps(b.steps);
  const md: string[] = [
    `# rtgw bench ${b.startedAt.slice(0, 10)}`,
    '',
    `${b.machine.cpus} x ${b.machine.model}, ${b.machine.memoryGiB} GiB, Node ${b.machine.node}. Load average at start: ${b.machine.loadAvgAtStart.join(' ')}.`,
    `Steps of ${b.options.clientsPerRoom} clients per room at ${b.options.rate}/s, ${b.options.duration} s measured after a ${b.options.ramp} s ramp; rtgw is one \`rtgw serve\` on its own redis-server, the relay is bench/bare-relay.ts. The generator shares the cores (gen CPU, other CPU, load, limits).`,
    '',
  ];
  const mdTable = (head: string[], rows: string[][], align: string[]) => [`| ${head.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  if (b.redisCost) {
    const c = b.redisCost;
    md.push(...mdTable(COST_HEAD, COST_ROWS.map(([k, label]) => costRow(label, c[k])), ['---', ...COST_HEAD.slice(1).map(() => '--:')]), '', costNote(c), '');
  }
  const stepRows: string[][] = [];
  for (const c of comparisons) {
    stepRows.push(row(c.rtgw, `${c.rooms}x${b.options.clientsPerRoom}`), row(c.relay, ''), ratioRow(c).map((v, i) => (i === 1 ? '**rtgw/relay**' : v)));
  }
  if (stepRows.length) md.push(...mdTable(HEAD, stepRows, ['---', '---', ...HEAD.slice(2).map(() => '--:')]), '', RATIO_NOTE, '', LIMITS_NOTE, '');
  for (const note of gatewayNotes(b.steps)) md.push(`- ${note}`);
  for (const m of b.idle) {
    md.push(`- Idle memory, ${m.target}: **${int(m.bytesPerClient)} bytes of RSS** per joined idle client (JS heap ${int(m.heapBytesPerClient)}, external ${int(m.externalBytesPerClient)}; RSS after a forced GC ${m.rssBeforeMiB} -> ${m.rssAfterMiB} MiB over ${m.clients} clients).`);
  }
  if (b.storm) {
    const [first, ...rest] = stormLines(b.storm);
    md.push(`- Storm of ${b.storm.dropped}, rtgw: ${first}.`, ...rest.map((l) => `  ${l}.`));
  }
  const unreliable = b.steps.filter((s) => !s.generatorReliable);
  for (const s of unreliable) md.push(`- ${s.rooms}x${b.options.clientsPerRoom} ${s.target}: generator unreliable: ${s.generatorNotes.join('; ')}`);
  for (const note of b.notes) md.push(`- ${note}`);
  md.push('');
  return md.join('\n');
}
