/**
 * Polls the gateway's stats and room list. While the gateway answers the link is `up`; when it
 * stops, the link goes `down` with the reason and the poller retries with a growing delay (never
 * longer than 5 s) until it answers again.
 */
import type { RoomsResponse, StatsResponse } from '../../gateway/admin-schema.js';
import { retryDelay, type Link } from './link.js';
import { Observable } from './observable.js';
import { AdminApiError, type DashSource } from './source.js';

/** Polls remembered for the traffic sparklines. */
const HISTORY = 120;

export interface GatewayPollerOptions {
  /** Between polls while up, and the first retry delay. Default 1000 ms. */
  pollMs?: number;
  now?: () => number;
}

export class GatewayPoller extends Observable {
  link: Link = { status: 'connecting' };
  stats: StatsResponse | undefined;
  rooms: RoomsResponse | undefined;
  /** When the gateway last answered (local clock). */
  lastAnswerAt: number | undefined;
  /** Cluster-wide messages in and out per second, one entry per poll, oldest first. */
  readonly history = { in: [] as number[], out: [] as number[] };
  private readonly pollMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly source: DashSource,
    options: GatewayPollerOptions = {},
  ) {
    super();
    this.pollMs = options.pollMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.poll();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    let delay = this.pollMs;
    try {
      const [stats, rooms] = await Promise.all([this.source.stats(), this.source.rooms()]);
      if (!this.running) return;
      this.stats = stats;
      this.rooms = rooms;
      push(this.history.in, stats.total.messagesInPerSec);
      push(this.history.out, stats.total.messagesOutPerSec);
      this.lastAnswerAt = this.now();
      this.link = { status: 'up' };
    } catch (err) {
      if (!this.running) return;
      const attempt = this.link.status === 'down' ? this.link.attempt + 1 : 1;
      delay = retryDelay(attempt, this.pollMs);
      const e = err instanceof AdminApiError ? err : new AdminApiError('unreachable', String(err), String(err));
      this.link = { status: 'down', error: e.detail, kind: e.kind, attempt, retryAt: this.now() + delay };
    }
    this.changed();
    this.timer = setTimeout(() => void this.poll(), delay);
  }
}

function push(series: number[], value: number): void {
  series.push(value);
  if (series.length > HISTORY) series.shift();
}
