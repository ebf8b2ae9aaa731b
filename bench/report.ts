/** The bench's table (terminal) and summary (markdown), with rtgw / relay ratios per step. */
import type { BenchResult, StepResult } from './harness.js';

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
    });
  }
  return out;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN);
const int = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const x = (n: number) => (Number.isNaN(n) ? '-' : `x${n.toFixed(2)}`);

const HEAD = ['step', 'server', 'sent/s', 'delivered/s', 'frames/s', 'p50 ms', 'p99 ms', 'delivered', 'direct', 'CPU', 'RSS MiB', 'redis/tf', 'gen CPU', 'load', 'gen ok', 'SYN drops'];

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
    s.serverRssMiB.toFixed(0),
    s.redisCommandsPerTransform === undefined ? '-' : s.redisCommandsPerTransform.toFixed(4),
    s.generatorCpu.toFixed(2),
    s.loadAvg.toFixed(1),
    s.generatorReliable ? 'yes' : 'NO',
    int(s.listenOverflows),
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

const RATIO_NOTE = 'rtgw/relay: delivered/s above x1 = rtgw delivers more; frames, p99 and CPU below x1 = rtgw needs fewer, is faster, is cheaper.';

/** What the gateway's own /metrics said about each rtgw step: transforms it dropped on arrival, its event loop. */
function gatewayNotes(steps: StepResult[]): string[] {
  return steps
    .filter((s) => s.target === 'rtgw' && s.gatewayTransformsIn)
    .map((s) => {
      const limited = s.gatewayDrops?.rate_limited ?? 0;
      const share = ((limited / s.gatewayTransformsIn!) * 100).toFixed(1);
      return `rtgw ${s.rooms}x${s.clients / s.rooms}: the gateway dropped ${int(limited)} of ${int(s.gatewayTransformsIn)} transforms as rate_limited (${share} %); its event loop p99 ${s.gatewayLoopP99Ms ?? '-'} ms`;
    });
}

export function formatBench(b: BenchResult): string {
  const rows: string[][] = [HEAD];
  const comparisons = compareSteps(b.steps);
  for (const c of comparisons) {
    const label = `${c.rooms}x${b.options.clientsPerRoom}`;
    rows.push(row(c.rtgw, label), row(c.relay, ''));
    rows.push(['', 'rtgw/relay', '', x(c.deliveredRatio), x(c.framesRatio), '', x(c.p99Ratio), '', '', x(c.cpuRatio), '', '', '', '', '', '']);
  }
  const lines = rows.length > 1 ? [table(rows), RATIO_NOTE, ...gatewayNotes(b.steps), ''] : [];
  for (const m of b.idle) {
    lines.push(`idle memory  ${m.target.padEnd(5)}  ${int(m.bytesPerClient)} bytes RSS per joined idle client (heap ${int(m.heapBytesPerClient)}, external ${int(m.externalBytesPerClient)}; RSS after GC ${m.rssBeforeMiB} -> ${m.rssAfterMiB} MiB over ${m.clients} clients)`);
  }
  if (b.storm) {
    const s = b.storm;
    lines.push(`storm        rtgw   ${s.rejoined}/${s.dropped} rejoined; all within ${s.allRejoinedMs === null ? 'never' : `${int(s.allRejoinedMs)} ms`} (p50 ${int(s.p50)} ms, p99 ${int(s.p99)} ms); ${int(s.listenOverflows)} SYNs dropped on a full accept queue; generator loop p99 ${s.generatorLoopDelayP99Ms} ms`);
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
    `Steps of ${b.options.clientsPerRoom} clients per room at ${b.options.rate}/s, ${b.options.duration} s measured after a ${b.options.ramp} s ramp; rtgw is one \`rtgw serve\` on its own redis-server, the relay is bench/bare-relay.ts. The generator shares the cores (gen CPU, load).`,
    '',
    '| step | server | sent/s | delivered/s | frames/s | p50 ms | p99 ms | delivered | direct | CPU | RSS MiB | Redis cmds/transform | gen CPU | load | generator reliable | SYN drops |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|',
  ];
  for (const c of comparisons) {
    for (const s of [c.rtgw, c.relay]) md.push(`| ${s === c.rtgw ? `${c.rooms}x${b.options.clientsPerRoom}` : ''} | ${row(s, '').slice(1).join(' | ')} |`);
    md.push(`| | **rtgw/relay** | | ${x(c.deliveredRatio)} | ${x(c.framesRatio)} | | ${x(c.p99Ratio)} | | | ${x(c.cpuRatio)} | | | | | | |`);
  }
  md.push('', RATIO_NOTE, '');
  for (const note of gatewayNotes(b.steps)) md.push(`- ${note}`);
  for (const m of b.idle) {
    md.push(`- Idle memory, ${m.target}: **${int(m.bytesPerClient)} bytes of RSS** per joined idle client (JS heap ${int(m.heapBytesPerClient)}, external ${int(m.externalBytesPerClient)}; RSS after a forced GC ${m.rssBeforeMiB} -> ${m.rssAfterMiB} MiB over ${m.clients} clients).`);
  }
  if (b.storm) md.push(`- Storm, rtgw: ${b.storm.rejoined}/${b.storm.dropped} clients rejoined, all within **${b.storm.allRejoinedMs === null ? 'never' : `${int(b.storm.allRejoinedMs)} ms`}** (p50 ${int(b.storm.p50)} ms, p99 ${int(b.storm.p99)} ms); ${int(b.storm.listenOverflows)} connection attempts dropped on a full accept queue (ListenOverflows); the generator's event loop p99 meanwhile ${b.storm.generatorLoopDelayP99Ms} ms.`);
  const unreliable = b.steps.filter((s) => !s.generatorReliable);
  for (const s of unreliable) md.push(`- ${s.rooms}x${b.options.clientsPerRoom} ${s.target}: generator unreliable: ${s.generatorNotes.join('; ')}`);
  for (const note of b.notes) md.push(`- ${note}`);
  md.push('');
  return md.join('\n');
}
