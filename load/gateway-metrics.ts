/**
 * The gateway's own view of the window, from its Prometheus endpoint (GET /metrics): transforms it
 * accepted and dropped (by reason), frames it sent, its event-loop delay. Optional: the bare relay
 * has no /metrics, and a gateway behind a proxy may hide it.
 */

export interface MetricsSample {
  /** `name{labels}` (labels as printed, node label included) -> value. */
  series: Map<string, number>;
}

export interface GatewayWindowStats {
  /** avatar_transform messages that passed validation (rtgw_messages_in_total). */
  transformsIn: number;
  /** ...minus those dropped (rate limit, stale seq, queue): what entered the flush. */
  transformsAccepted: number;
  /** rtgw_drops_total deltas by reason (slow_consumer counts skipped frames, not transforms). */
  drops: Record<string, number>;
  /** avatar_transform_broadcast frames sent. */
  framesOut: number;
  /** rtgw_event_loop_delay_p99_seconds at the end of the window (p99 since the previous scrape), ms. */
  eventLoopP99Ms: number;
}

/** The gateway during a storm: upgrades it refused (by reason, rtgw_connections_refused_total), failed authentications, its event loop. */
export interface GatewayStormStats {
  refused: Record<string, number>;
  authFailures: Record<string, number>;
  /** p99 event-loop delay over the storm (the scrape before it reset the gateway's histogram), ms. */
  eventLoopP99Ms: number;
}

/** Drops that remove an inbound transform before it is queued for the flush. */
const INBOUND_DROPS = new Set(['rate_limited', 'stale_seq', 'queue_full', 'not_joined']);

export async function scrapeMetrics(baseUrl: string): Promise<MetricsSample | undefined> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    return parseMetrics(await res.text());
  } catch {
    return undefined;
  }
}

export function parseMetrics(text: string): MetricsSample {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (!Number.isNaN(value)) series.set(line.slice(0, space), value);
  }
  return { series };
}

/** Sum of a metric's series whose labels include `label="value"` (or all series of it). */
export function sumOf(sample: MetricsSample, name: string, label?: string, value?: string): number {
  let total = 0;
  for (const [key, v] of sample.series) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (label && !key.includes(`${label}="${value}"`)) continue;
    total += v;
  }
  return total;
}

function labelValues(sample: MetricsSample, name: string, label: string): string[] {
  const values = new Set<string>();
  const re = new RegExp(`${label}="([^"]*)"`);
  for (const key of sample.series.keys()) {
    if (!key.startsWith(`${name}{`)) continue;
    const m = re.exec(key);
    if (m) values.add(m[1]!);
  }
  return [...values];
}

/** Growth of each `label` value of a counter between two samples (only those that grew). */
function deltasBy(start: MetricsSample, end: MetricsSample, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of labelValues(end, name, label)) {
    const n = sumOf(end, name, label, value) - sumOf(start, name, label, value);
    if (n > 0) out[value] = n;
  }
  return out;
}

const loopP99Ms = (end: MetricsSample) => Math.round(sumOf(end, 'rtgw_event_loop_delay_p99_seconds') * 1e5) / 100;

export function stormStats(start: MetricsSample, end: MetricsSample): GatewayStormStats {
  return {
    refused: deltasBy(start, end, 'rtgw_connections_refused_total', 'reason'),
    authFailures: deltasBy(start, end, 'rtgw_auth_failures_total', 'code'),
    eventLoopP99Ms: loopP99Ms(end),
  };
}

export function windowStats(start: MetricsSample, end: MetricsSample): GatewayWindowStats {
  const delta = (name: string, label?: string, value?: string) => sumOf(end, name, label, value) - sumOf(start, name, label, value);
  const drops = deltasBy(start, end, 'rtgw_drops_total', 'reason');
  const transformsIn = delta('rtgw_messages_in_total', 'type', 'avatar_transform');
  const dropped = Object.entries(drops).reduce((n, [reason, count]) => (INBOUND_DROPS.has(reason) ? n + count : n), 0);
  return {
    transformsIn,
    transformsAccepted: transformsIn - dropped,
    drops,
    framesOut: delta('rtgw_messages_out_total', 'type', 'avatar_transform_broadcast'),
    eventLoopP99Ms: loopP99Ms(end),
  };
}
