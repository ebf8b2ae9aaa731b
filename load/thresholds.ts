/**
 * Pass/fail criteria for a load run, k6 style: `p99<50`, `p(99.9)<=120ms`, `delivered>0.999`,
 * `delivered>=99.9%`, `connect.p99<2s`, `errors<1`. A breached threshold makes `rtgw load` exit
 * with LoadExitCode.THRESHOLDS (99, as k6). A malformed one is a usage error (exit 2), reported
 * before any load is generated.
 */

export type Op = '<' | '<=' | '>' | '>=' | '==';

export interface Threshold {
  /** As written. */
  expr: string;
  /** Canonical metric name (see METRICS). */
  metric: string;
  op: Op;
  /** In the metric's unit (ms for latencies, 0..1 for ratios). */
  value: number;
}

export interface ThresholdResult extends Threshold {
  /** The run's value; NaN when the run has none (e.g. chat.p99 without chat): such a threshold fails. */
  actual: number;
  ok: boolean;
}

const LATENCIES = {
  fanout: 'fan-out latency: intended send time to covered at a receiver',
  connect: 'POST /rooms/join to room_state',
  chat: 'chat_send to its own chat_broadcast',
  ping: 'ping to pong',
  storm: 'storm: drop to room_state again (per client)',
  'storm.wait': 'storm: backoff and failed attempts, per rejoined client',
  'storm.token': 'storm: token fetch, per client that fetched one',
  'storm.connect': 'storm: socket created to TCP connected, per rejoined client',
  'storm.upgrade': 'storm: HTTP upgrade to WebSocket open, per rejoined client',
  'storm.join': 'storm: join_room sent to room_state, per rejoined client',
} as const;
const STATS = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'] as const;

/** Every metric a threshold may name, with its unit and meaning. */
export const METRICS: Record<string, { unit: 'ms' | 'ratio' | 'count' | 'per_s' | 'bool'; help: string }> = {
  ...Object.fromEntries(
    Object.entries(LATENCIES).flatMap(([name, help]) => STATS.map((s) => [`${name}.${s}`, { unit: 'ms' as const, help: `${help} (${s})` }])),
  ),
  delivered: { unit: 'ratio', help: 'covered / expected transforms (load/README.md)' },
  direct: { unit: 'ratio', help: 'transforms received themselves (not superseded) / expected' },
  joined: { unit: 'ratio', help: 'clients that joined / planned' },
  errors: { unit: 'count', help: 'errors of every kind (see the errors table)' },
  reconnects: { unit: 'count', help: 'reconnect attempts (storm ones included)' },
  throughput: { unit: 'per_s', help: 'transforms delivered to receivers per second (entries in broadcast frames)' },
  frames: { unit: 'per_s', help: 'transform broadcast frames received per second' },
  sent: { unit: 'per_s', help: 'transforms sent per second' },
  'storm.all': { unit: 'ms', help: 'storm: drop to the last client rejoined (Infinity if some never did)' },
  'storm.timeouts': { unit: 'count', help: 'storm: connection attempts given up after the connect timeout' },
  'storm.syn_drops': { unit: 'count', help: 'storm: SYNs dropped on a full accept queue (machine-wide, Linux)' },
  reliable: { unit: 'bool', help: '1 when the generator kept up (load/health.ts), else 0' },
};

const ALIASES: Record<string, string> = { storm: 'storm.all' };

const PATTERN = /^\s*([A-Za-z][\w.]*(?:\(\s*[\d.]+\s*\))?)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(ms|s|%)?\s*$/;

/** Parse one expression; a TypeError names what is wrong. */
export function parseThreshold(expr: string): Threshold {
  const m = PATTERN.exec(expr);
  if (!m) throw new TypeError(`threshold "${expr}" is not METRIC OP NUMBER (e.g. p99<50, delivered>0.999)`);
  const metric = canonical(m[1]!);
  const info = METRICS[metric];
  if (!info) throw new TypeError(`threshold "${expr}": unknown metric "${m[1]}" (known: p50 p90 p99 p99.9 max mean, connect.p99, chat.p99, ping.p99, storm.max, storm, storm.join.p99, storm.timeouts, storm.syn_drops, delivered, direct, joined, errors, reconnects, throughput, frames, sent, reliable)`);
  let value = Number(m[3]);
  const unit = m[4];
  if (unit === 's' || unit === 'ms') {
    if (info.unit !== 'ms') throw new TypeError(`threshold "${expr}": ${metric} is not a duration`);
    if (unit === 's') value *= 1000;
  }
  if (unit === '%') {
    if (info.unit !== 'ratio') throw new TypeError(`threshold "${expr}": ${metric} is not a ratio`);
    value /= 100;
  }
  return { expr: expr.trim(), metric, op: m[2] as Op, value };
}

/** `p99`, `p(99)`, `fanout.p(99.9)`, `connect.p99` -> the METRICS key. */
function canonical(name: string): string {
  let n = name.replace(/p\(\s*([\d.]+)\s*\)/, 'p$1').toLowerCase();
  n = n.replace(/\.avg$/, '.mean').replace(/^avg$/, 'mean');
  if (ALIASES[n]) return ALIASES[n]!;
  if ((STATS as readonly string[]).includes(n)) return `fanout.${n}`;
  return n;
}

export function compare(actual: number, op: Op, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
      return actual === value;
  }
}

export function evaluateThresholds(thresholds: Threshold[], values: Record<string, number>): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = values[t.metric] ?? Number.NaN;
    return { ...t, actual, ok: !Number.isNaN(actual) && compare(actual, t.op, t.value) };
  });
}
