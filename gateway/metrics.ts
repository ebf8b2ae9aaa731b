/**
 * Prometheus metrics, one registry per gateway (tests run several gateways in one process).
 * Hot-path counters are pre-bound children, so counting a message is an increment, not a label lookup.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { UpgradeRefusal } from '../protocol/codes.js';

/** Why the gateway closed a socket for a limit of its own (the `reason` of rtgw_connections_closed_total). */
export const LimitClose = {
  /** More than --max-outbound-bytes queued unsent: close 4010. */
  SLOW_CONSUMER: 'slow_consumer',
  /** More WebSocket ping frames than a socket may send in 10 s: close 4008. */
  PING_FLOOD: 'ping_flood',
} as const;
export type LimitClose = (typeof LimitClose)[keyof typeof LimitClose];

export interface MetricsSnapshot {
  connections: number;
  rooms: number;
  members: number;
  /** Totals since start: by message type, drop reason, auth error code. */
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
  drops: Record<string, number>;
  authFailures: Record<string, number>;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly connections: Gauge;
  readonly rooms: Gauge;
  readonly members: Gauge;
  /** Open sockets that have not joined a room yet (gateway/connection-limits.ts). */
  readonly unauthenticated: Gauge;
  private readonly messagesIn: Counter;
  private readonly messagesOut: Counter;
  private readonly drops: Counter;
  private readonly authFailures: Counter;
  private readonly refused: Counter;
  private readonly limitCloses: Counter;
  /** Counts not yet added to their counter, by label value (see `tallied`). */
  private readonly inByType = new Map<string, number>();
  private readonly outByType = new Map<string, number>();
  private readonly dropsByReason = new Map<string, number>();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(nodeId: string) {
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry, prefix: 'rtgw_' });
    const registers = [this.registry];
    this.connections = new Gauge({ name: 'rtgw_connections', help: 'Open WebSocket connections', registers });
    this.rooms = new Gauge({ name: 'rtgw_rooms', help: 'Rooms with members on this node', registers });
    this.members = new Gauge({ name: 'rtgw_members', help: 'Joined sessions on this node', registers });
    this.messagesIn = tallied(this.inByType, { name: 'rtgw_messages_in_total', help: 'Messages received, by type', labelNames: ['type'], registers });
    this.messagesOut = tallied(this.outByType, { name: 'rtgw_messages_out_total', help: 'Messages sent, by type', labelNames: ['type'], registers });
    this.drops = tallied(this.dropsByReason, { name: 'rtgw_drops_total', help: 'Messages dropped, by reason', labelNames: ['reason'], registers });
    this.authFailures = new Counter({ name: 'rtgw_auth_failures_total', help: 'Authentication failures, by code', labelNames: ['code'], registers });
    this.unauthenticated = new Gauge({ name: 'rtgw_connections_unauthenticated', help: 'Open WebSocket connections that have not joined a room yet', registers });
    this.refused = new Counter({ name: 'rtgw_connections_refused_total', help: 'Upgrades refused before the WebSocket opened, by reason', labelNames: ['reason'], registers });
    this.limitCloses = new Counter({ name: 'rtgw_connections_closed_total', help: 'Sockets the gateway closed for exceeding a limit, by reason', labelNames: ['reason'], registers });
    // Every reason has a series from the start, so an alert on a rate sees the first refusal.
    for (const reason of Object.values(UpgradeRefusal)) this.refused.inc({ reason }, 0);
    for (const reason of Object.values(LimitClose)) this.limitCloses.inc({ reason }, 0);
    this.loopDelay.enable();
    const loopDelay = this.loopDelay;
    new Gauge({
      name: 'rtgw_event_loop_delay_p99_seconds',
      help: 'p99 event-loop delay since the last scrape',
      registers,
      collect() {
        this.set(loopDelay.percentile(99) / 1e9);
        loopDelay.reset();
      },
    });
  }

  messageIn(type: string): void {
    this.inByType.set(type, (this.inByType.get(type) ?? 0) + 1);
  }

  messageOut(type: string, count = 1): void {
    this.outByType.set(type, (this.outByType.get(type) ?? 0) + count);
  }

  drop(reason: string, count = 1): void {
    this.dropsByReason.set(reason, (this.dropsByReason.get(reason) ?? 0) + count);
  }

  authFailure(code: string): void {
    this.authFailures.inc({ code });
  }

  connectionRefused(reason: UpgradeRefusal): void {
    this.refused.inc({ reason });
  }

  closedForLimit(reason: LimitClose): void {
    this.limitCloses.inc({ reason });
  }

  /** Current p99 event-loop delay in ms, without resetting (for stats endpoints). */
  eventLoopDelayP99Ms(): number {
    return this.loopDelay.percentile(99) / 1e6;
  }

  /** Current gauges and counts since start by label (type, reason, code), for the admin stats (gateway/admin-stats.ts). */
  async snapshot(): Promise<MetricsSnapshot> {
    const [connections, rooms, members] = await Promise.all([this.connections, this.rooms, this.members].map(async (g) => (await g.get()).values[0]?.value ?? 0));
    const byLabel = async (counter: Counter, label: string) => {
      const totals: Record<string, number> = {};
      for (const { labels, value } of (await counter.get()).values) totals[String(labels[label])] = value;
      return totals;
    };
    const [messagesIn, messagesOut, drops, authFailures] = await Promise.all([
      byLabel(this.messagesIn, 'type'),
      byLabel(this.messagesOut, 'type'),
      byLabel(this.drops, 'reason'),
      byLabel(this.authFailures, 'code'),
    ]);
    return { connections: connections!, rooms: rooms!, members: members!, messagesIn, messagesOut, drops, authFailures };
  }

  close(): void {
    this.loopDelay.disable();
    this.registry.clear();
  }
}

/**
 * A counter of one label whose hot-path counts are plain numbers in `tally`, added to it whenever it
 * is read (a scrape, a snapshot): a transform is counted several times on its way, and prom-client's
 * labelled `inc` costs a hash of the labels each time.
 */
function tallied(tally: Map<string, number>, config: { name: string; help: string; labelNames: [string]; registers: Registry[] }): Counter {
  const [label] = config.labelNames;
  return new Counter({
    ...config,
    collect() {
      for (const [value, count] of tally) this.inc({ [label]: value }, count);
      tally.clear();
    },
  });
}
