/**
 * Follows one room through the admin stream into a `RoomModel`. When the stream ends (the gateway
 * restarted, the network dropped) it reopens it with a growing delay; each reopening starts with a
 * fresh snapshot, so nothing that happened in between is missing.
 */
import { retryDelay, type Link } from './link.js';
import { Observable } from './observable.js';
import { RoomModel } from './room-model.js';
import type { DashSource } from './source.js';

export interface RoomWatchOptions {
  /** First reopening delay; doubles up to 5 s. Default 500 ms. */
  retryMs?: number;
  now?: () => number;
}

export class RoomWatch extends Observable {
  readonly model: RoomModel;
  /** `up` once a snapshot arrived on the current stream. */
  link: Link = { status: 'connecting' };
  private close: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly retryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: DashSource,
    readonly roomId: string,
    options: RoomWatchOptions = {},
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.retryMs = options.retryMs ?? 500;
    this.model = new RoomModel(roomId, this.now);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.close?.();
    this.close = undefined;
  }

  private open(): void {
    this.close = this.source.watch(this.roomId, {
      event: (event) => {
        this.model.apply(event);
        if (event.type !== 'snapshot') return; // other events show on the next frame
        this.link = { status: 'up' };
        this.changed();
      },
      end: (error) => {
        if (!this.running) return;
        const attempt = this.link.status === 'down' ? this.link.attempt + 1 : 1;
        const delay = retryDelay(attempt, this.retryMs);
        this.link = { status: 'down', error: error.detail, kind: error.kind, attempt, retryAt: this.now() + delay };
        this.changed();
        this.timer = setTimeout(() => this.running && this.open(), delay);
      },
    });
  }
}
