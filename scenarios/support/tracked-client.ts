/**
 * A raw protocol client that keeps the member view the way a careful client would — from
 * `room_state`, then `member_joined` / `member_left` — and records, per frame as it arrives, what
 * the convergence check (convergence.ts) judges: transforms or chat from a user that is not in its
 * view, chat seen twice, and which chats the server accepted (the echo with our `clientMsgId`).
 *
 * Resending an unanswered chat after a reconnect, with the same `clientMsgId`, is what the SDK does;
 * `resendPending` does it here so tests and the chaos scenario can ask for it explicitly.
 */
import WebSocket from 'ws';
import type { ChatMessage, ServerMessage, ServerMessageOf, ServerMessageType } from '../../protocol/index.js';
import { Inbox } from './inbox.js';

export interface Closed {
  code: number;
  reason: string;
}

/** The server's answer to one chat_send: the echo (accepted) or chat_rejected. */
export type ChatAnswer = { accepted: true; message: ChatMessage } | { accepted: false; reason: string };

export class TrackedClient {
  private readonly inbox: Inbox;
  /** Other members as this socket was told (never includes itself). */
  readonly view = new Set<string>();
  /** Users this socket was told left and has not been told joined again. */
  private readonly toldLeft = new Set<string>();
  /** What the convergence check reports: frames from users outside the view, duplicates. */
  readonly violations: string[] = [];
  /** Chat by text as received live on this socket: text -> ids. */
  readonly chatSeen = new Map<string, string[]>();
  /** Chats the server accepted from this socket (echo carried our clientMsgId). */
  readonly accepted: ChatMessage[] = [];
  /** chat_send waiting for an answer, by clientMsgId. */
  readonly pending = new Map<string, { text: string; answer: (a: ChatAnswer) => void }>();
  state: ServerMessageOf<'room_state'> | undefined;
  closedWith: Closed | undefined;
  /** True between room_state and leave_room / close. */
  joined = false;
  readonly closed: Promise<Closed>;
  private msgCounter = 0;

  private constructor(
    readonly ws: WebSocket,
    readonly userId: string,
    readonly label: string,
  ) {
    this.inbox = new Inbox(label);
    ws.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as ServerMessage));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.joined = false;
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
      }),
    );
    ws.on('error', () => {}); // the close event follows; tests look at closedWith
  }

  /** Open a socket to `wsUrl` (…/realtime) for `userId`; does not join yet. */
  static open(wsUrl: string, userId: string, label = userId): Promise<TrackedClient> {
    const ws = new WebSocket(wsUrl);
    const client = new TrackedClient(ws, userId, label);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Open, send join_room and wait for room_state (rejects on close or timeout). */
  static async join(wsUrl: string, token: string, userId: string, label = userId, timeoutMs = 5000): Promise<TrackedClient> {
    const client = await TrackedClient.open(wsUrl, userId, label);
    client.send({ type: 'join_room', token });
    await client.untilJoined(timeoutMs);
    return client;
  }

  /** The room of the last room_state (undefined before the first). */
  get roomId(): string | undefined {
    return this.state?.roomId;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Live and joined: what the convergence check counts as a member. */
  get live(): boolean {
    return this.isOpen && this.joined;
  }

  send(msg: object): void {
    if (this.isOpen) this.ws.send(JSON.stringify(msg));
  }

  /** Resolve at room_state; reject if the socket closes first or `timeoutMs` passes. */
  untilJoined(timeoutMs = 5000): Promise<ServerMessageOf<'room_state'>> {
    const state = this.next('room_state', () => true, timeoutMs);
    const closed = this.closed.then((c) => Promise.reject(new Error(`${this.label}: closed ${c.code} ${c.reason} before room_state`)));
    return Promise.race([state, closed]);
  }

  /** Send chat_send and resolve with the server's answer (echo or chat_rejected). */
  sendChat(text: string, clientMsgId = `${this.label}-${++this.msgCounter}`): Promise<ChatAnswer> {
    return new Promise((resolve) => {
      this.pending.set(clientMsgId, { text, answer: resolve });
      this.send({ type: 'chat_send', text, clientMsgId });
    });
  }

  /** Re-send every unanswered chat on this socket with its original clientMsgId (as the SDK does after a reconnect). */
  adoptPending(from: TrackedClient): void {
    for (const [id, p] of from.pending) {
      this.pending.set(id, p);
      this.send({ type: 'chat_send', text: p.text, clientMsgId: id });
    }
    from.pending.clear();
  }

  leave(): void {
    this.joined = false;
    this.send({ type: 'leave_room' });
  }

  /** Drop the TCP connection without a close frame. */
  kill(): void {
    this.joined = false;
    this.ws.terminate();
  }

  close(code = 1000): Promise<Closed> {
    this.joined = false;
    this.ws.close(code);
    return this.closed;
  }



  /** Round trip: everything the server sent before the pong has arrived. */
  async sync(timeoutMs = 5000): Promise<void> {
    const ts = Math.random();
    this.send({ type: 'ping', ts });
    const closed = this.closed.then((c) => Promise.reject(new Error(`${this.label}: closed ${c.code} ${c.reason} while waiting for pong`)));
    await Promise.race([this.next('pong', (m) => m.ts === ts, timeoutMs), closed]);
  }

  /** Every message received, in order. */
  get received(): ServerMessage[] {
    return this.inbox.received;
  }

  /** Everything received of a type so far. */
  all<T extends ServerMessageType>(type: T): ServerMessageOf<T>[] {
    return this.inbox.all(type);
  }

  /** The next unread message of `type` matching `where`, within `timeoutMs`. */
  next<T extends ServerMessageType>(type: T, where?: (m: ServerMessageOf<T>) => boolean, timeoutMs?: number): Promise<ServerMessageOf<T>> {
    return this.inbox.next(type, where, timeoutMs);
  }

  private onMessage(msg: ServerMessage): void {
    this.track(msg);
    this.inbox.push(msg);
  }

  private track(msg: ServerMessage): void {
    switch (msg.type) {
      case 'room_state':
        this.state = msg;
        this.joined = true;
        this.view.clear();
        this.toldLeft.clear();
        for (const m of msg.members) if (m.userId !== this.userId) this.view.add(m.userId);
        return;
      case 'member_joined':
        if (msg.member.userId === this.userId) return;
        this.view.add(msg.member.userId);
        this.toldLeft.delete(msg.member.userId);
        return;
      case 'member_left':
        this.view.delete(msg.userId);
        this.toldLeft.add(msg.userId);
        return;
      case 'avatar_transform_broadcast':
        for (const t of msg.transforms) this.fromMember('transform', t.userId);
        return;
      case 'chat_broadcast':
        this.onChat(msg);
        return;
      case 'chat_rejected': {
        const id = msg.clientMsgId;
        const p = id === undefined ? undefined : this.pending.get(id);
        if (p && id !== undefined) {
          this.pending.delete(id);
          p.answer({ accepted: false, reason: msg.reason });
        }
        return;
      }
      default:
        return;
    }
  }

  private onChat(msg: ServerMessageOf<'chat_broadcast'>): void {
    if (msg.userId !== this.userId) this.fromMember('chat', msg.userId);
    const ids = this.chatSeen.get(msg.text) ?? [];
    // The same message (same id) again is the original echo answering a resend; another id is a duplicate.
    if (ids.some((id) => id !== msg.id)) this.violations.push(`${this.label} received chat "${msg.text}" twice, as ${[...ids, msg.id].join(' and ')}`);
    if (!ids.includes(msg.id)) ids.push(msg.id);
    this.chatSeen.set(msg.text, ids);
    const p = msg.clientMsgId === undefined ? undefined : this.pending.get(msg.clientMsgId);
    if (p && msg.clientMsgId !== undefined && msg.userId === this.userId) {
      this.pending.delete(msg.clientMsgId);
      this.accepted.push(msg);
      p.answer({ accepted: true, message: msg });
    }
  }

  private fromMember(kind: 'transform' | 'chat', userId: string): void {
    if (userId === this.userId || this.view.has(userId)) return;
    const why = this.toldLeft.has(userId) ? 'after being told it left' : 'which is not in its member view';
    this.violations.push(`${this.label} received a ${kind} from ${userId} ${why}`);
  }
}
