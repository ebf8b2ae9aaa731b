/** How a load run reads: the live status line, and the final table. */
import type { LatencySummary } from './histogram.js';
import type { LoadResult, StormResult } from './result.js';
import type { LiveStatus } from './run.js';

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '∞');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 1000 ? 0 : 2) : '∞');
const pct = (r: number, digits = 2) => `${(r * 100).toFixed(digits)} %`;

export function statusLine(s: LiveStatus): string {
  const lat = s.p99 >= 0 ? `p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms` : 'p99 -';
  return (
    `[${s.phase.padEnd(6)} ${s.elapsed.toFixed(0).padStart(4)} s] joined ${s.joined}/${s.planned}${s.failed ? ` (${s.failed} gave up)` : ''}` +
    `  sent ${int(s.sentPerSec)}/s  delivered ${int(s.deliveredPerSec)}/s in ${int(s.framesPerSec)} frames/s  ${lat}` +
    `  errors ${s.errors}  reconnects ${s.reconnects}  loop ${s.loopDelayP99.toFixed(1)} ms`
  );
}

function latencyRow(name: string, s: LatencySummary | undefined): string | undefined {
  if (!s || s.count === 0) return undefined;
  return `  ${name.padEnd(22)}${int(s.count).padStart(11)}${[s.p50, s.p90, s.p99, s.p999, s.max].map((v) => ms(v).padStart(10)).join('')}`;
}

export function formatResult(r: LoadResult): string {
  const o = r.options;
  const lines: string[] = [];
  const rates = r.clients.mobile ? `${r.rates.desktop}/s desktop, ${r.rates.mobile}/s mobile` : `${r.rates.desktop}/s`;
  lines.push(
    `rtgw load -> ${o.url}   ${o.rooms} rooms x ${o.clientsPerRoom} clients (${r.clients.joined}/${r.clients.planned} joined, ${r.clients.mobile} mobile` +
      `${o.sample < 1 ? `, ${r.clients.measuring} measuring` : ''}) at ${o.rate > 0 ? rates : 'idle'}` +
      `   window ${r.window.seconds} s (+${r.window.drainSeconds} s drain), ${generators(r.generator.workers)}`,
    '',
    `latency (ms)                  count       p50       p90       p99     p99.9       max`,
  );
  for (const row of [
    latencyRow('fan-out', r.latency.fanout),
    latencyRow('  sender -> gateway', r.latency.inbound),
    latencyRow('  gateway -> receiver', r.latency.outbound),
    latencyRow('connect + join', r.latency.connect),
    latencyRow('chat round trip', r.latency.chat),
    latencyRow('ping round trip', r.latency.ping),
    latencyRow('storm rejoin', r.storm?.rejoin),
    latencyRow('  wait (backoff)', r.storm?.phases.wait),
    latencyRow('  token fetch', r.storm?.phases.token),
    latencyRow('  TCP connect', r.storm?.phases.connect),
    latencyRow('  upgrade', r.storm?.phases.upgrade),
    latencyRow('  join -> room_state', r.storm?.phases.join),
  ]) {
    if (row) lines.push(row);
  }
  lines.push('');
  const d = r.delivery;
  if (d.expected > 0) {
    lines.push(
      `delivery    ${pct(d.ratio, 3)} of ${int(d.expected)} expected transforms covered` +
        ` (direct ${pct(d.directRatio)}, superseded ${pct(d.superseded / d.expected)}, missing ${int(d.missing)})`,
    );
  }
  lines.push(`throughput  sent ${int(r.throughput.sent)}/s   delivered ${int(r.throughput.delivered)} transforms/s in ${int(r.throughput.frames)} frames/s (${r.throughput.transformsPerFrame} per frame)`);
  if (r.gateway) {
    const g = r.gateway;
    const drops = Object.entries(g.drops).map(([reason, n]) => `${reason} ${int(n)}`).join(', ') || 'none';
    lines.push(`gateway     accepted ${int(g.transformsAccepted)} of ${int(g.transformsIn)} transforms, sent ${int(g.framesOut)} frames; drops: ${drops}; event loop p99 ${g.eventLoopP99Ms} ms`);
  }
  if (r.chat.sent) lines.push(`chat        ${int(r.chat.sent)} sent, ${int(r.chat.echoed)} echoed`);
  const errors = Object.entries(r.errors).sort((a, b) => b[1] - a[1]);
  lines.push(`errors      ${errors.length ? errors.map(([code, n]) => `${code} ${int(n)}`).join(', ') : 'none'}`);
  lines.push(`reconnects  ${int(r.reconnects)}${r.options.killEvery > 0 ? ` (${int(r.kills)} sockets killed, one every ${r.options.killEvery} s)` : ''}`);
  if (r.storm) lines.push(...stormLines(r.storm));
  const g = r.generator;
  lines.push(
    `generator   ${generators(g.workers)}, ${g.cpuCores} cores, event loop p99 ${g.loopDelayP99Ms} ms (max ${g.loopDelayMaxMs}), busy ${pct(g.elu, 0)},` +
      ` send lag p99 ${g.sendLagP99Ms} ms, ${int(g.skippedSlots)} slots jumped${g.scanFallbacks ? `, ${int(g.scanFallbacks)} frames parsed slowly` : ''}: ${g.reliable ? 'reliable' : 'UNRELIABLE'}`,
  );
  for (const reason of g.reasons) lines.push(`              - ${reason}`);
  if (r.thresholds.length) {
    lines.push('thresholds');
    for (const t of r.thresholds) lines.push(`  ${t.ok ? 'pass' : 'FAIL'}  ${t.expr.padEnd(24)} ${Number.isNaN(t.actual) ? '(no value)' : formatValue(t.actual)}`);
  }
  return lines.join('\n');
}

const generators = (n: number) => (n === 0 ? 'generator in this process' : `${n} generator process${n === 1 ? '' : 'es'}`);

function stormLines(s: StormResult): string[] {
  const counts = (o: Record<string, number>) => Object.entries(o).map(([c, n]) => `${c} ${int(n)}`).join(', ');
  const lines = [
    `storm       ${int(s.dropped)} dropped, ${int(s.rejoined)} rejoined; ` +
      (Number.isFinite(s.allRejoinedMs) ? `all within ${ms(s.allRejoinedMs)} ms (p50 ${ms(s.rejoin.p50)} ms)` : `${int(s.dropped - s.rejoined)} never did`) +
      `; ${int(s.connectTimeouts)} connect timeouts, ${s.synDrops === undefined ? 'SYN drops unknown' : `${int(s.synDrops)} SYN drops`}` +
      `; attempts per client ${s.attempts.mean} (max ${s.attempts.max})` +
      (s.phases.token.count === 0 ? '; tokens reused' : `; ${int(s.phases.token.count)} fetched a token`),
    `            generator event loop p99 ${s.generatorLoopDelayP99Ms} ms meanwhile${s.generatorReliable ? '' : ' (UNRELIABLE: the generator lagged)'}` +
      (s.gateway ? `; gateway event loop p99 ${s.gateway.eventLoopP99Ms} ms, refused upgrades: ${counts(s.gateway.refused) || 'none'}` : ''),
  ];
  if (Object.keys(s.errors).length) lines.push(`            errors: ${counts(s.errors)}`);
  return lines;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '∞';
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 5 : 2);
}
