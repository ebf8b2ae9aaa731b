/**
 * One WebSocket: parse -> validate -> limit -> dispatch, in that order, top to bottom.
 * Room membership, fan-out and the store are the hub's; the session owns its socket, its timers
 * (auth timeout, token expiry), its limiters and its place in line (join, leave, refresh and chat
 * run one at a time, in arrival order; transforms and pings arriving meanwhile wait behind them).
 */
import { randomBytes } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import {
  AuthErrorCode,
  CloseCode,
  ErrorCode,
  Limits,
  TRANSFORM_RATE_PER_SECOND,
  authErrorCloseCode,
  clientSchemas,
  parseAvatarTransform,
  type ClientMessage,
  type BroadcastTransform,
  type ClientMessageOf,
  type LeaveReason,
  type ServerMessage,
} from '../protocol/index.js';
import { AuthError, VerifierUnavailable, type Identity, type TokenVerifier } from './auth.js';
import { EmitShaper, SlidingWindowLimiter, SustainedRate, TokenBucket, WindowCounter } from './rate-limit.js';
import type { LocalRoom, TransformSender } from './room.js';
import type { Fault, GatewayConfig } from './config.js';
import type { Logger } from './log.js';
import { LimitClose, type GatewayMetrics } from './metrics.js';
import type { ConnectionTicket } from './connection-limits.js';
import type { MemberRecord } from './store/types.js';

/** What a session needs from the node that composes it (the hub): requests go there, in order. */
export interface SessionHost {
  readonly config: GatewayConfig;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly faults: ReadonlySet<Fault>;
  readonly verifier: TokenVerifier;
  now(): number;
  join(session: Session, identity: Identity): Promise<void>;
  leave(session: Session, reason: LeaveReason): Promise<void>;
  chat(session: Session, msg: ClientMessageOf<'chat_send'>): Promise<void>;
  transform(room: LocalRoom<Session>, t: BroadcastTransform, sender: TransformSender): void;
  socketClosed(session: Session): void;
}

const TEXT_FRAME = { binary: false } as const;
/** Room fan-out a joining session's room_state already reflects (see `sendFrame`). */
const SUPERSEDED_BY_ROOM_STATE = new Set(['member_joined', 'member_left', 'avatar_transform_broadcast']);
/**
 * Per-socket budgets for requests that cost the gateway (and the store) work: a burst, then one
 * every `everyMs`. Checked before anything else is done, so a flood costs no store call.
 * (Transforms are shaped on the flush instead; chat has its own limit, pre-checked here too.)
 */
const BUDGETED = { join_room: 'joinBudget', refresh_token: 'refreshBudget', ping: 'pingBudget' } as const;
type Budgeted = keyof typeof BUDGETED;
/** Messages waiting behind an async request; beyond this a client is flooding. */
const MAX_QUEUED = 256;
const ABUSE_WINDOW_MS = 10_000;
/**
 * WebSocket ping frames (control frames, not the `ping` message) answered per 10 s; the next one
 * closes 4008. No browser can send them; a library that pings every second uses a tenth of this.
 */
const MAX_PING_FRAMES = 100;
/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Session implements TransformSender {
  readonly id = randomBytes(9).toString('base64url');
  identity: Identity | undefined;
  room: LocalRoom<Session> | undefined;
  /** The membership this session holds (set by the hub once the store accepted it). */
  member: MemberRecord | undefined;
  /** Users this session's user blocks; undefined when none, so fan-out skips the check. */
  blocked: Set<string> | undefined;
  missedPings = 0;
  /** Why the member's presence ends if this socket goes away without `leave_room`. */
  goneReason: 'disconnected' | 'expired' | 'kicked' | 'replaced' = 'disconnected';

  /** What this session's transforms may emit (its device's limit); set at join. */
  shaper: EmitShaper = new EmitShaper(TRANSFORM_RATE_PER_SECOND.desktop);
  /** Transforms arriving far faster than the limit for long (4008). */
  private flood: SustainedRate | undefined;
  private lastSeq = -1;
  private droppedSinceWarning = 0;
  private lastWarningAt = 0;
  private readonly badMessages = new WindowCounter(ABUSE_WINDOW_MS);
  private readonly pingFrames = new WindowCounter(ABUSE_WINDOW_MS);
  private readonly overBudget = new WindowCounter(ABUSE_WINDOW_MS);
  private readonly budgets: Record<Budgeted, TokenBucket>;
  /** This socket's share of the chat limit, checked before the store's (per user, across nodes). */
  readonly chatBudget = new SlidingWindowLimiter(Limits.CHAT_MAX_PER_WINDOW, Limits.CHAT_WINDOW_MS);
  private authTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Frames held back while joining, so nothing reaches the client before its `room_state`. */
  private held: Array<string | Buffer> | undefined;
  private busy = false;
  private readonly queue: ClientMessage[] = [];
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly hub: SessionHost,
    /** Its place under the connection caps (server.ts); it stops counting as unauthenticated at its first join. */
    private readonly ticket?: ConnectionTicket,
  ) {
    const { joinBudget, refreshBudget, pingBudget } = hub.config;
    this.budgets = {
      join_room: new TokenBucket(joinBudget.burst, joinBudget.everyMs),
      refresh_token: new TokenBucket(refreshBudget.burst, refreshBudget.everyMs),
      ping: new TokenBucket(pingBudget.burst, pingBudget.everyMs),
    };
    const authMs = hub.config.authTimeoutMs;
    this.authTimer = setTimeout(() => this.failAuth(AuthErrorCode.AUTH_TIMEOUT, `no join_room within ${authMs / 1000} s`), authMs);
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('ping', (data) => this.onPingFrame(data));
    ws.on('pong', () => (this.missedPings = 0));
    ws.on('close', () => this.onClose());
    ws.on('error', () => {}); // 'close' follows; ws already answered protocol errors (e.g. 1009).
  }

  get userId(): string {
    return this.identity?.userId ?? '';
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  // ---------------------------------------------------------------- inbound

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) return this.refuse(ErrorCode.BAD_MESSAGE, 'binary frames are not supported: send JSON text');
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return this.refuse(ErrorCode.BAD_MESSAGE, 'the frame is not valid JSON');
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return this.refuse(ErrorCode.BAD_MESSAGE, 'a message must be a JSON object');
    }
    const type = (raw as { type?: unknown }).type;
    if (typeof type !== 'string') return this.refuse(ErrorCode.BAD_MESSAGE, 'a message needs a string "type"');
    if (!Object.hasOwn(clientSchemas, type)) {
      return this.refuse(ErrorCode.UNKNOWN_TYPE, `unknown message type "${type.slice(0, 40)}"`);
    }
    // The commonest message skips zod when it is well formed (parseAvatarTransform says why it may).
    const fast = type === 'avatar_transform' ? parseAvatarTransform(raw as Record<string, unknown>) : undefined;
    const parsed = fast ? { success: true as const, data: fast } : clientSchemas[type as ClientMessage['type']].safeParse(raw);
    if (!parsed.success) {
      if (type === 'join_room' && !(raw as { token?: unknown }).token) {
        return this.failAuth(AuthErrorCode.TOKEN_MISSING, 'join_room needs a token');
      }
      const issue = parsed.error.issues[0]!;
      const at = issue.path.length ? issue.path.join('.') : 'message';
      return this.refuse(ErrorCode.BAD_MESSAGE, `${type}: ${at}: ${issue.message}`);
    }
    this.hub.metrics.messageIn(type);
    if (Object.hasOwn(BUDGETED, type) && !this.budgets[type as Budgeted].take(Date.now()) && !this.hub.faults.has('no-budgets')) {
      const { burst, everyMs } = this.hub.config[BUDGETED[type as Budgeted]];
      this.send({ type: 'error', code: ErrorCode.RATE_LIMITED, message: `${type}: too many; at most ${burst} at once, then one every ${everyMs} ms` });
      return this.overBudgetAgain();
    }
    // Liveness never waits for the store: a ping is answered at once, even behind a slow join or chat.
    if (type === 'ping') return this.dispatch(parsed.data);
    if (this.busy) {
      if (this.queue.length < MAX_QUEUED) this.queue.push(parsed.data);
      else this.hub.metrics.drop('queue_full');
      return;
    }
    this.dispatch(parsed.data);
  }

  private dispatch(msg: ClientMessage): void {
    switch (msg.type) {
      case 'avatar_transform':
        return this.onTransform(msg);
      case 'ping':
        return this.send({ type: 'pong', ts: msg.ts, serverTime: this.hub.now() });
      case 'join_room':
        return this.runInLine(() => this.onJoin(msg));
      case 'leave_room':
        return this.runInLine(() => (this.room ? this.hub.leave(this, 'left') : this.notJoined('leave_room')));
      case 'chat_send':
        return this.runInLine(() => (this.room ? this.hub.chat(this, msg) : this.notJoined('chat_send')));
      case 'refresh_token':
        return this.runInLine(() => this.onRefresh(msg));
    }
  }

  /** Run an async request; messages arriving meanwhile wait, then run in order. */
  private runInLine(work: () => Promise<void> | void): void {
    this.busy = true;
    Promise.resolve()
      .then(work)
      .catch((err: unknown) => {
        this.hub.log.error({ err, session: this.id }, 'request failed');
        this.send({ type: 'error', code: ErrorCode.INTERNAL, message: 'the gateway could not complete the request' });
      })
      .finally(() => {
        this.busy = false;
        while (!this.busy && this.queue.length > 0 && !this.closed) this.dispatch(this.queue.shift()!);
      });
  }

  /**
   * The per-transform hot path: no awaits, no store calls. Every transform is accepted; the flush
   * emits what the sender's budget allows (newest wins), so a client sending on every animation
   * frame is seen at its limit, evenly spaced. Only a sustained flood far past the limit is closed.
   */
  private onTransform(msg: ClientMessageOf<'avatar_transform'>): void {
    const room = this.room;
    if (!room || !this.flood) return this.notJoined('avatar_transform');
    const now = Date.now();
    if (this.flood.add(now) && !this.hub.faults.has('no-rate-limit')) return this.kick(CloseCode.RATE_LIMIT_ABUSE, 'rate-limit abuse');
    if (msg.seq !== undefined) {
      // Out-of-order or repeated: a newer transform was already accepted.
      if (msg.seq <= this.lastSeq) return this.hub.metrics.drop('stale_seq');
      this.lastSeq = msg.seq;
    }
    this.hub.transform(room, { userId: this.userId, p: msg.p, r: msg.r, seq: msg.seq, anim: msg.anim, ts: now }, this);
  }

  /** The flush superseded `count` of this session's transforms (over its limit). */
  superseded(count: number, now: number): void {
    this.hub.metrics.drop('rate_limited', count);
    this.droppedSinceWarning += count;
    if (this.hub.config.rateLimitDebug && now - this.lastWarningAt >= 1000) {
      this.send({ type: 'rate_limited', kind: 'transform', dropped: this.droppedSinceWarning, windowMs: 1000 });
      this.droppedSinceWarning = 0;
      this.lastWarningAt = now;
    }
  }

  private async onJoin(msg: ClientMessageOf<'join_room'>): Promise<void> {
    const identity = await this.verify(msg.token);
    if (!identity) return;
    if (msg.roomId !== undefined && msg.roomId !== identity.roomId) {
      return this.failAuth(AuthErrorCode.ROOM_MISMATCH, `the token is for room "${identity.roomId}", not "${msg.roomId}"`);
    }
    clearTimeout(this.authTimer);
    await this.hub.join(this, identity);
  }

  private async onRefresh(msg: ClientMessageOf<'refresh_token'>): Promise<void> {
    const current = this.identity;
    if (!current || !this.room) return this.notJoined('refresh_token');
    const next = await this.verify(msg.token);
    if (!next) return;
    if (next.roomId !== current.roomId) {
      return this.failAuth(AuthErrorCode.ROOM_MISMATCH, `the new token is for room "${next.roomId}", not "${current.roomId}"`);
    }
    if (next.userId !== current.userId) return this.failAuth(AuthErrorCode.TOKEN_INVALID, 'the new token is for another user');
    if (next.expiresAt <= current.expiresAt) return this.failAuth(AuthErrorCode.TOKEN_INVALID, 'the new token does not expire later');
    if (!this.hub.faults.has('ignore-refresh')) {
      this.identity = { ...current, expiresAt: next.expiresAt };
      this.armExpiry();
    }
    this.send({ type: 'token_refreshed', expiresAt: next.expiresAt });
  }

  private async verify(token: string): Promise<Identity | undefined> {
    try {
      return await this.hub.verifier.verify(token);
    } catch (err) {
      if (err instanceof VerifierUnavailable) {
        // Not the token's fault: say so and let the client retry (1013), keeping a joined session open.
        this.hub.log.warn({ err, session: this.id }, 'token verification unavailable');
        this.hub.metrics.drop('verifier_unavailable');
        this.send({ type: 'error', code: ErrorCode.INTERNAL, message: 'the gateway cannot check tokens right now; try again shortly' });
        if (!this.room) this.close(CloseCode.TRY_AGAIN_LATER, 'token verification unavailable');
        return undefined;
      }
      if (!(err instanceof AuthError)) throw err;
      this.failAuth(err.code, err.message);
      return undefined;
    }
  }

  // ---------------------------------------------------------------- membership (called by the hub)

  /** Start joining as `identity`: frames for this session are held until `room_state` is sent. */
  beginJoin(identity: Identity, room: LocalRoom<Session>): void {
    if (this.identity?.device !== identity.device || !this.flood) {
      const rate = TRANSFORM_RATE_PER_SECOND[identity.device];
      const { transformAbuseFactor, transformAbuseSeconds } = this.hub.config;
      this.shaper = new EmitShaper(this.hub.faults.has('no-rate-limit') ? 10_000 : rate);
      this.flood = new SustainedRate(rate * transformAbuseFactor, transformAbuseSeconds);
    }
    this.identity = identity;
    this.room = room;
    this.held = [];
    this.armExpiry();
  }

  /** Send `room_state`, then whatever arrived for this session while it was being built. */
  completeJoin(roomState: ServerMessage): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.ticket?.joined();
    this.send(roomState);
    for (const frame of held) this.sendFrame(frame);
  }

  /** Forget the room (left, moved, replaced, failed join). */
  detach(): void {
    this.room = undefined;
    this.member = undefined;
    this.held = undefined;
    this.lastSeq = -1;
  }

  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    if (!this.identity) return;
    const ms = this.identity.expiresAt + this.hub.config.clockSkewS * 1000 - Date.now();
    this.expiryTimer = setTimeout(() => {
      this.goneReason = 'expired';
      this.failAuth(AuthErrorCode.TOKEN_EXPIRED, 'the token expired; refresh it before it does');
    }, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
  }

  // ---------------------------------------------------------------- outbound

  send(msg: ServerMessage): void {
    this.sendFrame(JSON.stringify(msg));
    this.hub.metrics.messageOut(msg.type);
  }

  /** A frame serialised elsewhere (often shared by many recipients). Counting is the caller's. */
  sendFrame(frame: string | Buffer, type?: string): void {
    // While joining, room fan-out of membership and transforms is not kept for after room_state: it is
    // already in the room_state built at the end of the join (from this node's view), and replaying it
    // would show a member twice, or a frame from one who has left. Everything else waits.
    if (this.held) {
      if (type === undefined || !SUPERSEDED_BY_ROOM_STATE.has(type)) this.held.push(frame);
      return;
    }
    if (this.closed) return;
    // A property read per frame: the cap is what keeps a reader that stopped from growing the heap.
    if (this.ws.bufferedAmount > this.hub.config.maxOutboundBytes && !this.hub.faults.has('no-outbound-cap')) return this.closeSlowConsumer();
    this.ws.send(frame, TEXT_FRAME);
  }

  /**
   * Past `--max-outbound-bytes` unsent: close 4010 rather than buffer without bound. The close frame
   * queues behind what is unsent (a reader that resumes gets everything, then the code); ws ends
   * the connection if the close handshake has not finished 30 s later. The member keeps the grace
   * period: a client that stalled and reconnects resumes.
   */
  private closeSlowConsumer(): void {
    this.hub.log.warn({ session: this.id, user: this.identity?.userId, bufferedBytes: this.ws.bufferedAmount }, 'slow consumer: closing 4010');
    this.hub.metrics.closedForLimit(LimitClose.SLOW_CONSUMER);
    this.close(CloseCode.SLOW_CONSUMER, 'slow consumer');
  }

  /**
   * A WebSocket ping frame. ws's own automatic pong is off (server.ts): it drops the TCP connection,
   * without a close frame, once 60 pongs wait to be written, which is what 61 pings in one TCP
   * write do. Each is answered here instead, up to a budget; past it, close 4008.
   */
  private onPingFrame(data: Buffer): void {
    if (this.closed || this.hub.faults.has('ws-auto-pong')) return;
    if (this.pingFrames.add(Date.now()) > MAX_PING_FRAMES) {
      this.hub.log.warn({ session: this.id, user: this.identity?.userId, limit: MAX_PING_FRAMES }, 'ping frame flood: closing 4008');
      this.hub.metrics.closedForLimit(LimitClose.PING_FLOOD);
      return this.kick(CloseCode.RATE_LIMIT_ABUSE, 'ping flood');
    }
    if (this.ws.bufferedAmount > this.hub.config.maxOutboundBytes && !this.hub.faults.has('no-outbound-cap')) return this.closeSlowConsumer();
    this.ws.pong(data);
  }

  /** A refused request: `error` with a code. Too many in 10 s is a protocol violation (4004). */
  private refuse(code: ErrorCode, message: string): void {
    this.hub.metrics.drop(code);
    this.send({ type: 'error', code, message });
    if (this.badMessages.add(Date.now()) > this.hub.config.maxBadMessages) {
      this.kick(CloseCode.PROTOCOL_VIOLATION, 'too many bad messages');
    }
  }

  /** A request refused as over its budget (the caller answered it): a client that keeps on is closed 4008. */
  overBudgetAgain(): void {
    this.hub.metrics.drop('over_budget');
    if (this.overBudget.add(Date.now()) > this.hub.config.maxOverBudget) this.kick(CloseCode.RATE_LIMIT_ABUSE, 'rate-limit abuse');
  }

  private notJoined(type: string): void {
    this.refuse(ErrorCode.NOT_JOINED, `${type} needs a joined room: send join_room first`);
  }

  failAuth(code: AuthErrorCode, message: string): void {
    if (this.closed) return;
    this.hub.metrics.authFailure(code);
    this.hub.log.info({ session: this.id, user: this.identity?.userId, code }, 'auth_error');
    this.held = undefined;
    this.send({ type: 'auth_error', code, message });
    this.close(authErrorCloseCode[code], code);
  }

  /** End the session for misbehaviour: the member leaves at once (`kicked`), no grace period. */
  kick(code: CloseCode, reason: string): void {
    this.goneReason = 'kicked';
    this.close(code, reason);
  }

  /** Refuse the join with `error` and close (room full, store down). */
  refuseJoin(code: ErrorCode, message: string, closeCode: CloseCode): void {
    this.held = undefined;
    this.send({ type: 'error', code, message });
    this.close(closeCode, code);
  }

  /** Ping for liveness; a socket that missed two pings is terminated. */
  heartbeat(): void {
    if (this.missedPings >= 2) {
      this.ws.terminate();
      return;
    }
    this.missedPings++;
    this.ws.ping();
  }

  close(code: CloseCode, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason);
    // The socket stops receiving now; 'close' runs the cleanup once the handshake ends.
    this.onClose();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    this.queue.length = 0;
    this.hub.socketClosed(this);
  }
}
