/**
 * The WebSocket provider: rooms, chat and transforms over one gateway socket. This file owns the
 * room lifecycle and what a lost connection means for it; the socket itself is ws-connection.ts,
 * the per-close-code decisions backoff.ts, inbound dispatch ws-inbound.ts, and tokens, liveness,
 * pacing and pending chats have files of their own.
 *
 *   joinRoom -> token -> socket -> join_room -> room_state: open
 *   close / dead / timeout -> ReconnectPolicy.afterClose(code) -> closed | reconnecting (-> rejoin)
 */
import {
  CloseCode, authErrorCloseCode,
  type AuthErrorCode, type ChatMessage, type ClientMessage, type ServerMessageOf,
} from '../protocol/index.js';
import { ReconnectPolicy, type RetryDecision } from './backoff.js';
import { ChatOutbox } from './chat-outbox.js';
import { checkChatText } from './chat-rules.js';
import { systemClock, Timer } from './clock.js';
import { Emitter } from './emitter.js';
import { ChatRejectedError, RealtimeError, TokenSourceError, type RealtimeErrorCode } from './errors.js';
import { OwnTransform } from './own-transform.js';
import { shortId } from './random.js';
import { RoomStore } from './state.js';
import { TokenRefresher } from './token-refresh.js';
import { roomIdError } from './validate.js';
import { devIssuerTokenSource, TokenCache, type HeldToken } from './token-source.js';
import type {
  ChatRejectedEvent, Clock, ConnectionState, Quat, RealtimeEventName, RealtimeEvents, RealtimeProvider,
  RealtimeState, RoomSnapshot, TransformExtras, Vec3, WsProviderOptions,
} from './types.js';
import { WsConnection } from './ws-connection.js';
import { handleFrame, type InboundTarget } from './ws-inbound.js';

/** Defaults of every tunable, in one place (documented on `WsProviderOptions`). */
type Tunables = 'reconnectIntervalMs' | 'maxReconnectDelayMs' | 'longReconnectDelayMs' | 'pingIntervalMs' | 'pongTimeoutMs'
  | 'connectTimeoutMs' | 'refreshAt' | 'chatTimeoutMs' | 'transformRateSafety';
export const WS_DEFAULTS: Readonly<Required<Pick<WsProviderOptions, Tunables>>> = {
  reconnectIntervalMs: 250,
  maxReconnectDelayMs: 4000,
  longReconnectDelayMs: 10_000,
  pingIntervalMs: 2000,
  pongTimeoutMs: 2000,
  connectTimeoutMs: 5000,
  refreshAt: 0.8,
  chatTimeoutMs: 10_000,
  transformRateSafety: 0.9,
};

interface JoinWaiter { roomId: string; resolve(room: RoomSnapshot): void; reject(err: Error): void }

export class WsRealtimeProvider implements RealtimeProvider, InboundTarget {
  readonly kind = 'ws' as const;
  /** @internal (ws-inbound.ts) */
  readonly events = new Emitter<RealtimeEvents>();
  /** @internal (ws-inbound.ts) */
  readonly store = new RoomStore();
  private readonly tokens: TokenCache;
  private readonly o: WsProviderOptions & typeof WS_DEFAULTS;
  private readonly clock: Clock;
  private readonly conn: WsConnection;
  private readonly policy: ReconnectPolicy;
  private readonly refresher: TokenRefresher;
  private readonly own: OwnTransform;
  private readonly outbox: ChatOutbox;
  private readonly retryTimer: Timer;

  /** connect() or joinRoom() was called, and neither disconnect() nor a final close since. */
  private online = false;
  /** @internal The room this client wants to be in. */
  room: string | null = null;
  /** @internal `room` is joined on the current socket (its `room_state` arrived). */
  joined = false;
  /** The server has the current socket in some room, so `leave_room` means something. */
  private socketInRoom = false;
  /** `room` was joined before: the next `room_state` is a rejoin. */
  private everJoined = false;
  private lostAt: number | null = null;
  private connection: ConnectionState = { status: 'idle' };
  private serverOffsetMs = 0;
  private chatCounter = 0;
  private readonly chatPrefix: string;
  private joinWaiters: JoinWaiter[] = [];

  constructor(options: WsProviderOptions) {
    if (!options.getToken && !options.url) {
      throw new TypeError('WsRealtimeProvider needs options.url (the gateway base URL) or options.getToken');
    }
    const o = (this.o = { ...WS_DEFAULTS, ...definedOnly(options) });
    this.clock = o.clock ?? systemClock;
    const random = o.random ?? Math.random;
    this.chatPrefix = shortId(random, 6);
    const getToken = o.getToken ?? devIssuerTokenSource({ url: o.url!, userId: o.userId, displayName: o.displayName, device: o.device, fetch: o.fetch });
    this.tokens = new TokenCache(getToken, () => this.serverNow());
    this.policy = new ReconnectPolicy({ baseMs: o.reconnectIntervalMs, maxMs: o.maxReconnectDelayMs, longBaseMs: o.longReconnectDelayMs, random });
    this.conn = new WsConnection({ ...o, clock: this.clock, tokens: this.tokens }, {
      opened: (token) => this.opened(token),
      frame: (data) => handleFrame(this, data),
      closed: (code, reason) => this.lost(code, reason),
      failed: (err, fatal) => this.attemptFailed(err, fatal),
    });
    this.refresher = new TokenRefresher({
      clock: this.clock, tokens: this.tokens, serverNow: () => this.serverNow(), fraction: o.refreshAt,
      timeoutMs: o.connectTimeoutMs,
      send: (token) => this.send({ type: 'refresh_token', token }),
      onFailed: (reason) => {
        this.conn.freshToken = true;
        this.conn.drop(reason);
      },
    });
    this.own = new OwnTransform({
      clock: this.clock, device: o.device ?? 'desktop', safety: o.transformRateSafety, rateLimitDebug: o.rateLimitDebug ?? false,
      send: (msg) => this.send(msg), record: (t) => this.store.setOwnTransform(t),
      notice: (n) => this.events.emit('notice', n), serverNow: () => this.serverNow(),
    });
    this.outbox = new ChatOutbox(this.clock, o.chatTimeoutMs);
    this.retryTimer = new Timer(this.clock);
  }

  // ------------------------------------------------------------ public API

  on<K extends RealtimeEventName>(event: K, handler: RealtimeEvents[K]): () => void {
    return this.events.on(event, handler);
  }

  getState(): RealtimeState {
    const s = this.joined ? this.store.snapshot() : null;
    return { connection: { ...this.connection }, roomId: s?.roomId ?? null, self: s?.self ?? null, members: s?.members ?? [], chat: s?.chat ?? [] };
  }

  async connect(): Promise<void> {
    this.online = true;
    if (this.room === null || this.connection.status === 'open') return;
    if (!this.conn.active && !this.retryTimer.pending) this.attempt();
    await new Promise<void>((resolve, reject) => {
      const off = this.on('connectionState', (s) => {
        if (s.status === 'open') { off(); resolve(); }
        if (s.status === 'closed') { off(); reject(new RealtimeError('closed', `connection closed: ${s.reason ?? ''}`, s.closeCode)); }
      });
    });
  }

  async disconnect(): Promise<void> {
    if (this.socketInRoom) this.send({ type: 'leave_room' });
    this.online = false;
    this.forgetRoom(new RealtimeError('closed', 'disconnect() was called'));
    this.conn.close(CloseCode.NORMAL, 'client disconnect');
    this.setConnection({ status: 'closed', reason: 'client disconnect', closeCode: CloseCode.NORMAL });
  }

  joinRoom(roomId: string): Promise<RoomSnapshot> {
    const invalid = roomIdError(roomId);
    if (invalid) return Promise.reject(invalid);
    if (this.room === roomId && this.joined) return Promise.resolve(this.store.snapshot()!);
    const promise = new Promise<RoomSnapshot>((resolve, reject) => this.joinWaiters.push({ roomId, resolve, reject }));
    if (this.room !== roomId) {
      this.forgetRoom(new RealtimeError('left', `superseded by joinRoom(${roomId})`), roomId);
      this.room = roomId;
    }
    this.online = true;
    if (this.conn.isOpen) {
      this.setConnection({ status: 'connecting', reason: `joining ${roomId}` });
      void this.conn.rejoin(roomId);
    } else if (!this.conn.active) this.attempt();
    // else: a socket is opening; `opened` will ask for the right room.
    return promise;
  }

  async leaveRoom(): Promise<void> {
    if (this.room === null) return;
    this.forgetRoom(new RealtimeError('left', 'leaveRoom() was called'));
    if (this.socketInRoom) {
      // The socket stays open outside a room: the gateway allows it after `leave_room`.
      this.send({ type: 'leave_room' });
      this.socketInRoom = false;
      this.setConnection({ status: 'open', reason: 'left the room' });
    } else {
      this.conn.close(CloseCode.NORMAL, 'left before joining');
      this.setConnection({ status: 'idle', reason: 'left the room' });
    }
  }

  sendTransform(p: Vec3, r: Quat, extras?: TransformExtras): void {
    this.own.push(p, r, extras);
  }

  sendChat(text: string): Promise<ChatMessage> {
    if (this.room === null) return Promise.reject(new RealtimeError('not_in_room', 'sendChat: join a room first'));
    const clientMsgId = `${this.chatPrefix}-${++this.chatCounter}`;
    const check = checkChatText(text);
    if (!check.ok) {
      // The verdict the server would give, without risking a frame over 4 KiB (1009 is final).
      this.events.emit('chatRejected', { reason: check.reason, clientMsgId });
      return Promise.reject(new ChatRejectedError(check.reason, clientMsgId));
    }
    const promise = this.outbox.add({ clientMsgId, text: check.text });
    // While reconnecting it waits in the outbox and goes out after the rejoin.
    if (this.joined) this.send({ type: 'chat_send', text: check.text, clientMsgId });
    return promise;
  }

  /** Best estimate of the server's clock (token expiry and transform times are server times). */
  serverNow(): number {
    return this.clock.now() + this.serverOffsetMs;
  }

  // ------------------------------------------------------------ inbound (ws-inbound.ts calls these)

  /** @internal `room_state` for the wanted room arrived. */
  onJoined(msg: ServerMessageOf<'room_state'>): void {
    this.conn.joined();
    const rejoined = this.everJoined;
    const missed = this.store.applyRoomState(msg, rejoined);
    this.joined = this.everJoined = this.socketInRoom = true;
    this.policy.reset();
    this.serverOffsetMs = msg.serverTime - this.clock.now();
    this.refresher.start();
    this.own.joined(rejoined);
    this.setConnection({ status: 'open' });
    if (this.lostAt !== null) {
      this.events.emit('notice', { kind: 'reconnected', message: 'Reconnected.', downtimeMs: this.clock.now() - this.lostAt });
      this.lostAt = null;
    }
    const snapshot = this.store.snapshot(rejoined)!;
    this.events.emit('roomState', snapshot);
    for (const m of missed) this.events.emit('chat', m);
    for (const c of this.outbox.afterJoin((id) => this.store.findOwnChat(id))) {
      this.send({ type: 'chat_send', text: c.text, clientMsgId: c.clientMsgId });
    }
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    for (const w of waiters) w.resolve(snapshot);
  }

  /** @internal */
  onOwnChat(message: ChatMessage): void {
    this.outbox.confirmed(message);
  }

  /** @internal */
  onChatRejected(event: ChatRejectedEvent): void {
    this.events.emit('chatRejected', event);
    this.outbox.rejected(event);
    if (event.reason === 'rate_limited') {
      const s = Math.ceil((event.retryAfterMs ?? 0) / 1000);
      this.events.emit('notice', { kind: 'rate_limited', what: 'chat', source: 'server', retryAfterMs: event.retryAfterMs, message: `Too many messages; try again in ${s} s.` });
    }
  }

  /** @internal Tell the UI, and whether the SDK will retry (the close that follows decides). */
  onAuthError(code: AuthErrorCode, message: string): void {
    // While a refresh_token is pending, an auth_error is the server refusing the new token.
    if (this.refresher.pending) return this.refresher.refused(code);
    const willRetry = this.policy.wouldRetry(authErrorCloseCode[code]);
    this.events.emit('notice', { kind: 'auth_error', code, message, willRetry });
  }

  /** @internal */
  onTokenRefreshed(expiresAt: number): void {
    this.refresher.refreshed(expiresAt);
  }

  /** @internal Half the round trip estimates when the server read its clock. */
  onPong(ts: number | undefined, serverTime: number): void {
    if (ts !== undefined) this.serverOffsetMs = serverTime - (ts + this.clock.now()) / 2;
  }

  // ------------------------------------------------------------ connection lifecycle

  private attempt(): void {
    this.retryTimer.stop();
    if (!this.online || this.room === null) return;
    if (this.connection.status !== 'reconnecting') this.setConnection({ status: 'connecting' });
    void this.conn.open(this.room);
  }

  /** The socket opened (or may switch rooms): ask for the room wanted now. */
  private opened(token: HeldToken): void {
    if (this.room === null) return this.conn.close(CloseCode.NORMAL, 'no room wanted');
    if (token.roomId !== this.room) return void this.conn.rejoin(this.room);
    this.send({ type: 'join_room', token: token.token, roomId: token.roomId });
  }

  private attemptFailed(err: Error, fatal: boolean): void {
    if (fatal) return this.stop(err.message, undefined, err instanceof TokenSourceError ? 'token_source' : 'closed');
    this.retry(this.policy.afterFailure(), err.message);
  }

  /** The socket is gone. What it means depends on the close code (contract section 5). */
  private lost(code: number, reason: string): void {
    const wasJoined = this.joined;
    this.joined = this.socketInRoom = false;
    this.refresher.stop();
    this.own.pause();
    if (!this.online) return;
    if (this.room === null) {
      // An open socket outside any room went away; nothing to rejoin until the next joinRoom.
      return this.setConnection({ status: this.policy.wouldRetry(code) ? 'idle' : 'closed', reason, closeCode: code });
    }
    if (wasJoined && this.lostAt === null) this.lostAt = this.clock.now();
    const decision = this.policy.afterClose(code);
    if (!decision.reconnect) {
      const auth = decision.why === 'auth_failed_twice';
      return this.stop(auth ? `authentication failed again (${reason})` : reason, code, auth ? 'auth_failed' : 'closed');
    }
    if (wasJoined) {
      this.events.emit('notice', { kind: 'disconnected', message: 'Connection lost; reconnecting…', closeCode: code, willReconnect: true });
    }
    this.retry(decision, reason, code);
  }

  private retry(decision: RetryDecision, reason: string, closeCode?: number): void {
    if (!decision.reconnect) return;
    if (decision.freshToken) this.conn.freshToken = true;
    const { delayMs, attempt, backoff } = decision;
    this.setConnection({ status: 'reconnecting', reason, closeCode, attempt, retryInMs: delayMs, backoff });
    this.retryTimer.start(delayMs, () => this.attempt());
  }

  /** Final: no more reconnecting until connect()/joinRoom() again. */
  private stop(reason: string, closeCode: number | undefined, errCode: RealtimeErrorCode): void {
    this.online = false;
    this.conn.close(CloseCode.NORMAL, reason);
    this.forgetRoom(new RealtimeError(errCode, reason, closeCode));
    this.setConnection({ status: 'closed', reason, closeCode });
    this.events.emit('notice', { kind: 'disconnected', message: `Disconnected: ${reason}`, closeCode, willReconnect: false });
  }

  /** Clear everything about the current room; its pending promises reject with `err`. */
  private forgetRoom(err: Error, keepWaitersOf?: string): void {
    // A transform sent outside any room waits for the next join; one from a room stays there.
    if (this.room !== null) this.own.forget();
    this.room = null;
    this.joined = this.everJoined = false;
    this.lostAt = null;
    this.policy.reset();
    this.store.clear();
    this.tokens.clear();
    this.refresher.stop();
    this.retryTimer.stop();
    this.own.pause();
    this.outbox.failAll(err);
    const waiters = this.joinWaiters;
    this.joinWaiters = waiters.filter((w) => w.roomId === keepWaitersOf);
    for (const w of waiters) if (w.roomId !== keepWaitersOf) w.reject(err);
  }

  private send(msg: ClientMessage): void {
    this.conn.send(msg);
  }

  private setConnection(state: ConnectionState): void {
    this.connection = definedOnly(state);
    this.events.emit('connectionState', { ...this.connection });
  }
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
