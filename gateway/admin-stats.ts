/**
 * Gateway stats for the admin API. Every node samples its metrics once a second (rates are the
 * difference between two samples) and writes the result to the store as a record that expires after
 * a few seconds, so any node's `GET /admin/stats` lists the whole cluster and a node that stopped
 * drops out by itself. Nodes compare expiry times on their own clocks: keep them in sync (NTP).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NodeStatsSchema, type NodeStats, type StatsResponse } from './admin-schema.js';
import type { Hub } from './hub.js';
import type { MetricsSnapshot } from './metrics.js';
import type { RoomEvent } from './store/types.js';

export const STATS_INTERVAL_MS = 1_000;
/** A record is listed this long after it was written: a node that missed four writes is gone. */
export const STATS_TTL_MS = 5_000;
/** Drop reasons that are rate-limit hits (transforms over the device rate, chat over 5 per 10 s). */
const RATE_LIMIT_REASONS = ['rate_limited', 'chat_rate_limited'];

const EMPTY: MetricsSnapshot = { connections: 0, rooms: 0, members: 0, messagesIn: {}, messagesOut: {}, drops: {}, authFailures: {} };

export class NodeStatsSampler {
  /** This node's newest sample; stands in for its record when the store cannot be read. */
  latest: NodeStats | undefined;
  private readonly startedAt = Date.now();
  private previous: { at: number; metrics: MetricsSnapshot } = { at: this.startedAt, metrics: EMPTY };
  /** What this node's members sent since the last sample, by room. */
  private traffic = new Map<string, { transforms: number; chat: number }>();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    private readonly hub: Hub,
    private readonly intervalMs = STATS_INTERVAL_MS,
  ) {}

  start(): void {
    this.loopDelay.enable();
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.loopDelay.disable();
  }

  /** Every event on this node's room channels passes here; only its own count (each node counts its members'). */
  count(roomId: string, event: RoomEvent): void {
    if (event.origin !== this.hub.nodeId || (event.kind !== 'transforms' && event.kind !== 'chat')) return;
    let room = this.traffic.get(roomId);
    if (!room) this.traffic.set(roomId, (room = { transforms: 0, chat: 0 }));
    if (event.kind === 'transforms') room.transforms += event.transforms.length;
    else room.chat += 1;
  }

  /** Take a sample and write it to the store (a failed write is retried by the next sample). */
  async sample(): Promise<void> {
    if (this.sampling) return; // a slow store: skip rather than pile up
    this.sampling = true;
    try {
      const now = Date.now();
      const metrics = await this.hub.metrics.snapshot();
      const stats = this.stats(now, metrics);
      this.latest = stats;
      await this.hub.store.putNodeStats({ nodeId: stats.nodeId, expiresAt: now + STATS_TTL_MS, stats });
    } catch (err) {
      this.hub.log.debug({ err }, 'could not write this node’s stats record');
    } finally {
      this.sampling = false;
    }
  }

  private stats(now: number, metrics: MetricsSnapshot): NodeStats {
    const { at, metrics: before } = this.previous;
    this.previous = { at: now, metrics };
    const seconds = Math.max(now - at, 1) / 1000;
    const roomTraffic: NodeStats['roomTraffic'] = {};
    for (const roomId of this.hub.rooms.keys()) {
      const sent = this.traffic.get(roomId);
      roomTraffic[roomId] = { transformsPerSec: round(sent ? sent.transforms / seconds : 0), chatPerSec: round(sent ? sent.chat / seconds : 0) };
    }
    this.traffic = new Map();
    const loopDelayMs = this.loopDelay.count > 0 ? this.loopDelay.percentile(99) / 1e6 : 0;
    this.loopDelay.reset();
    return {
      nodeId: this.hub.nodeId,
      at: now,
      uptimeMs: now - this.startedAt,
      connections: metrics.connections,
      rooms: metrics.rooms,
      members: metrics.members,
      messagesInPerSec: rates(metrics.messagesIn, before.messagesIn, seconds),
      messagesOutPerSec: rates(metrics.messagesOut, before.messagesOut, seconds),
      drops: metrics.drops,
      rateLimitHits: RATE_LIMIT_REASONS.reduce((sum, reason) => sum + (metrics.drops[reason] ?? 0), 0),
      authFailures: metrics.authFailures,
      eventLoopDelayP99Ms: round(loopDelayMs),
      storeUp: this.hub.storeUp,
      roomTraffic,
    };
  }
}

/** Every live node's newest record (this node's own sample when the store cannot say). */
export async function liveNodes(hub: Hub, sampler: NodeStatsSampler): Promise<NodeStats[]> {
  let nodes: NodeStats[] = [];
  try {
    for (const record of await hub.store.listNodeStats(Date.now())) {
      const parsed = NodeStatsSchema.safeParse(record.stats);
      if (parsed.success) nodes.push(parsed.data); // a node running another version may write another shape
    }
  } catch (err) {
    hub.log.debug({ err }, 'could not list node stats');
  }
  if (sampler.latest && !nodes.some((n) => n.nodeId === hub.nodeId)) nodes = [...nodes, sampler.latest].sort((x, y) => (x.nodeId < y.nodeId ? -1 : 1));
  return nodes;
}

/** `GET /admin/stats`. */
export async function clusterStats(hub: Hub, sampler: NodeStatsSampler): Promise<StatsResponse> {
  const [ready, nodes] = await Promise.all([hub.store.checkReady(1_000), liveNodes(hub, sampler)]);
  const sum = (pick: (n: NodeStats) => number) => round(nodes.reduce((total, n) => total + pick(n), 0));
  const sumValues = (values: Record<string, number>) => Object.values(values).reduce((total, v) => total + v, 0);
  return {
    node: hub.nodeId,
    store: { kind: hub.store.kind, ready },
    nodes,
    total: {
      nodes: nodes.length,
      connections: sum((n) => n.connections),
      members: sum((n) => n.members),
      messagesInPerSec: sum((n) => sumValues(n.messagesInPerSec)),
      messagesOutPerSec: sum((n) => sumValues(n.messagesOutPerSec)),
      drops: sum((n) => sumValues(n.drops)),
      rateLimitHits: sum((n) => n.rateLimitHits),
      authFailures: sum((n) => sumValues(n.authFailures)),
      eventLoopDelayP99Ms: Math.max(0, ...nodes.map((n) => n.eventLoopDelayP99Ms)),
    },
  };
}

function rates(now: Record<string, number>, before: Record<string, number>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, total] of Object.entries(now)) out[label] = round(Math.max(0, total - (before[label] ?? 0)) / seconds);
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;
