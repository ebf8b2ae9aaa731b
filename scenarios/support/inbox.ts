/**
 * Received server messages, kept in order, with awaitable expectations: `next(type)` takes the
 * first unread message of that type, or waits for it. Shared by the test client
 * (test/helpers/ws-client.ts) and the tracked client of the fault suite and chaos scenario.
 */
import type { ServerMessage, ServerMessageOf, ServerMessageType } from '../../protocol/index.js';

type Waiter = { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void };

export class Inbox {
  /** Every message received, in order. */
  readonly received: ServerMessage[] = [];
  /** Messages not yet taken by `next`. */
  private readonly unread: ServerMessage[] = [];
  private readonly waiters: Waiter[] = [];

  /** `label` prefixes timeout errors (which socket waited). */
  constructor(private readonly label = '') {}

  push(msg: ServerMessage): void {
    this.received.push(msg);
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
    else this.unread.push(msg);
  }

  /** Unread messages of a type, left unread. */
  unreadOf<T extends ServerMessageType>(type: T): ServerMessageOf<T>[] {
    return this.unread.filter((m) => m.type === type) as ServerMessageOf<T>[];
  }

  /** Everything received of a type so far. */
  all<T extends ServerMessageType>(type: T): ServerMessageOf<T>[] {
    return this.received.filter((m) => m.type === type) as ServerMessageOf<T>[];
  }

  /** The next unread message of `type` (optionally matching `where`), waiting up to `timeoutMs`. */
  next<T extends ServerMessageType>(type: T, where: (m: ServerMessageOf<T>) => boolean = () => true, timeoutMs = 5000): Promise<ServerMessageOf<T>> {
    const match = (m: ServerMessage): boolean => m.type === type && where(m as ServerMessageOf<T>);
    const i = this.unread.findIndex(match);
    if (i >= 0) return Promise.resolve(this.unread.splice(i, 1)[0] as ServerMessageOf<T>);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { match, resolve: (m) => (clearTimeout(timer), resolve(m as ServerMessageOf<T>)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        const who = this.label ? `${this.label}: ` : '';
        reject(new Error(`${who}timed out after ${timeoutMs} ms waiting for ${type}; unread: ${JSON.stringify(this.unread.map((m) => m.type))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
