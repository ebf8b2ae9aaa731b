/**
 * A bot: a client SDK provider that records everything it sees, with waits that are re-checked on
 * every event (never polled on a timer). Scenarios and `rtgw bots` are built on it.
 */
import WebSocket from 'ws';
import {
  createRealtimeProvider,
  type BroadcastTransform,
  type ChatMessage,
  type ChatRejectedEvent,
  type ConnectionState,
  type CreateRealtimeProviderOptions,
  type Member,
  type MemberLeftEvent,
  type Notice,
  type RealtimeProvider,
  type RoomSnapshot,
  type WebSocketConstructor,
} from '../../client/index.js';

interface Waiter {
  check: () => boolean;
  resolve: () => void;
}

export class Bot {
  readonly provider: RealtimeProvider;
  readonly userId: string;
  /** Transforms received, by sender, in arrival order. */
  readonly transforms = new Map<string, Array<BroadcastTransform & { receivedAt: number }>>();
  readonly chat: ChatMessage[] = [];
  readonly joined: Member[] = [];
  readonly left: MemberLeftEvent[] = [];
  readonly rejected: ChatRejectedEvent[] = [];
  readonly states: Array<ConnectionState & { at: number }> = [];
  readonly notices: Notice[] = [];
  readonly roomStates: RoomSnapshot[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(options: CreateRealtimeProviderOptions) {
    this.userId = options.userId;
    // Scenarios always talk to a real gateway: the flags in the environment must not pick `sim`.
    this.provider = createRealtimeProvider({ provider: 'ws', WebSocket: WebSocket as unknown as WebSocketConstructor, env: {}, ...options });
    const p = this.provider;
    const on = <T>(list: T[]) => (item: T) => this.changed(() => list.push(item));
    this.unsubscribe.push(
      p.on('transforms', (ts) =>
        this.changed(() => {
          const now = Date.now();
          for (const t of ts) {
            let list = this.transforms.get(t.userId);
            if (!list) this.transforms.set(t.userId, (list = []));
            list.push({ ...t, receivedAt: now });
          }
        }),
      ),
      p.on('chat', on(this.chat)),
      p.on('memberJoined', on(this.joined)),
      p.on('memberLeft', on(this.left)),
      p.on('chatRejected', on(this.rejected)),
      p.on('notice', on(this.notices)),
      p.on('roomState', on(this.roomStates)),
      p.on('connectionState', (s) => this.changed(() => this.states.push({ ...s, at: Date.now() }))),
    );
  }

  /** Transforms received from `userId`. */
  from(userId: string): Array<BroadcastTransform & { receivedAt: number }> {
    return this.transforms.get(userId) ?? [];
  }

  /** Members this bot currently sees (excluding itself). */
  members(): string[] {
    return this.provider
      .getState()
      .members.map((m) => m.userId)
      .filter((id) => id !== this.userId)
      .sort();
  }

  get status(): ConnectionState['status'] {
    return this.provider.getState().connection.status;
  }

  /** Resolve when `check()` holds; re-checked after every event this bot sees. Rejects after `timeoutMs`. */
  until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.userId}: ${what} did not happen within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Clear what was recorded (between phases of a scenario). */
  reset(): void {
    this.transforms.clear();
    for (const list of [this.chat, this.joined, this.left, this.rejected, this.states, this.notices, this.roomStates]) list.length = 0;
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.waiters.clear();
    await this.provider.disconnect().catch(() => {});
  }

  /** Record, then wake the waiters whose condition now holds. */
  private changed(record: () => void): void {
    record();
    for (const waiter of [...this.waiters]) if (waiter.check()) waiter.resolve();
  }
}
