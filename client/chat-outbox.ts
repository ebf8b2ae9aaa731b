/**
 * Chat messages this client sent and is waiting on. The server's echo (`chat_broadcast` carrying
 * our `clientMsgId`) is the acknowledgement; `chat_rejected` is the refusal. Messages typed while
 * reconnecting wait here and go out after the rejoin; a message in flight when the connection
 * dropped is looked up in the rejoin's `room_state` (it may have been stored) and resent if absent.
 */
import type { ChatMessage } from '../protocol/index.js';
import { Timer } from './clock.js';
import { ChatRejectedError, RealtimeError } from './errors.js';
import type { ChatRejectedEvent, Clock } from './types.js';

export interface OutgoingChat {
  clientMsgId: string;
  text: string;
}

interface Pending extends OutgoingChat {
  resolve(message: ChatMessage): void;
  reject(err: Error): void;
  timer: Timer;
}

export class ChatOutbox {
  /** Insertion order = send order. */
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  add(chat: OutgoingChat): Promise<ChatMessage> {
    return new Promise<ChatMessage>((resolve, reject) => {
      const timer = new Timer(this.clock);
      this.pending.set(chat.clientMsgId, { ...chat, resolve, reject, timer });
      timer.start(this.timeoutMs, () =>
        this.settle(chat.clientMsgId, new RealtimeError('timeout', `no echo for chat ${chat.clientMsgId} within ${this.timeoutMs} ms`)),
      );
    });
  }

  /** The echo of one of ours arrived. */
  confirmed(message: ChatMessage): void {
    if (message.clientMsgId !== undefined) this.settle(message.clientMsgId, message);
  }

  /** `chat_rejected`: settles the named message, or the oldest when the server named none. */
  rejected(event: ChatRejectedEvent): void {
    const id = event.clientMsgId ?? this.pending.keys().next().value;
    if (id === undefined) return;
    this.settle(id, new ChatRejectedError(event.reason, id, event.retryAfterMs));
  }

  /**
   * After a (re)join: resolve what the room already holds (`find` looks it up by `clientMsgId`),
   * return the rest, oldest first, to be sent.
   */
  afterJoin(find: (clientMsgId: string) => ChatMessage | undefined): OutgoingChat[] {
    const toSend: OutgoingChat[] = [];
    for (const p of [...this.pending.values()]) {
      const stored = find(p.clientMsgId);
      if (stored) this.settle(p.clientMsgId, stored);
      else toSend.push({ clientMsgId: p.clientMsgId, text: p.text });
    }
    return toSend;
  }

  failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, err);
  }

  private settle(id: string, outcome: ChatMessage | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.timer.stop();
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }
}
