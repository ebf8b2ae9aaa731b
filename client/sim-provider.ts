/**
 * The simulated provider: no network. It fabricates the gateway's wire messages (room_state,
 * member_joined, transforms, chat_broadcast, chat_rejected) and feeds them through the same room
 * reducer as the WebSocket provider, so apps see the same events and state shape. Deterministic
 * given `seed` and an injected clock. Simulation controls (`addMember`, `memberChat`,
 * `simulateDrop`, ...) let demos and tests script what the simulated members do.
 */
import { CloseCode, type ChatMessage, type LeaveReason, type Member, type ServerMessageOf } from '../protocol/index.js';
import { ChatOutbox } from './chat-outbox.js';
import { ChatSpamWindow, checkChatText } from './chat-rules.js';
import { systemClock, Timer } from './clock.js';
import { Emitter } from './emitter.js';
import { ChatRejectedError, RealtimeError } from './errors.js';
import { seededRandom, shortId, sortableId } from './random.js';
import { SimWorld } from './sim-world.js';
import { applyRoomMessage, RoomStore } from './state.js';
import type {
  BroadcastTransform, Clock, ConnectionState, Quat, RealtimeEventName, RealtimeEvents, RealtimeProvider,
  RealtimeState, RoomSnapshot, SimProviderOptions, TransformExtras, Vec3,
} from './types.js';
import { assertTransformArgs, roomIdError } from './validate.js';

export const SIM_DEFAULTS = { members: 3, seed: 1, latencyMs: 20, tickHz: 10, chatEveryMs: 15_000, areaSize: 10 };

interface JoinWaiter { resolve(room: RoomSnapshot): void; reject(err: Error): void }

export class SimRealtimeProvider implements RealtimeProvider {
  readonly kind = 'sim' as const;
  private readonly events = new Emitter<RealtimeEvents>();
  private readonly store = new RoomStore();
  private readonly o: SimProviderOptions & typeof SIM_DEFAULTS;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly self: Member;
  private readonly ticker: Timer;
  private readonly outbox: ChatOutbox;
  private readonly spam = new ChatSpamWindow();
  private world: SimWorld | null = null;
  private online = false;
  private room: string | null = null;
  private joined = false;
  private everJoined = false;
  /** Bumped on leave/disconnect: deliveries scheduled before are dropped. */
  private epoch = 0;
  private connection: ConnectionState = { status: 'idle' };
  private joinWaiters: JoinWaiter[] = [];
  private ownSeq = 0;
  /** Held outside a room and applied at the next join, as the ws provider's pacer does. */
  private ownTransform: NonNullable<Member['transform']> | undefined;
  private idCounter = 0;
  private chatCounter = 0;

  constructor(options: SimProviderOptions) {
    const o = (this.o = { ...SIM_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as SimProviderOptions & typeof SIM_DEFAULTS);
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? seededRandom(o.seed);
    this.self = { userId: o.userId, displayName: o.displayName ?? o.userId, device: o.device ?? 'desktop', joinedAt: 0 };
    this.ticker = new Timer(this.clock);
    this.outbox = new ChatOutbox(this.clock, 10_000);
  }

  // ------------------------------------------------------------ RealtimeProvider

  on<K extends RealtimeEventName>(event: K, handler: RealtimeEvents[K]): () => void {
    return this.events.on(event, handler);
  }

  getState(): RealtimeState {
    const s = this.joined ? this.store.snapshot() : null;
    return { connection: { ...this.connection }, roomId: s?.roomId ?? null, self: s?.self ?? null, members: s?.members ?? [], chat: s?.chat ?? [] };
  }

  serverNow(): number {
    return this.clock.now();
  }

  async connect(): Promise<void> {
    this.online = true;
    if (this.room !== null && !this.joined) await this.joinRoom(this.room);
  }

  async disconnect(): Promise<void> {
    this.online = false;
    this.forgetRoom(new RealtimeError('closed', 'disconnect() was called'));
    this.setConnection({ status: 'closed', reason: 'client disconnect', closeCode: CloseCode.NORMAL });
  }

  joinRoom(roomId: string): Promise<RoomSnapshot> {
    const invalid = roomIdError(roomId);
    if (invalid) return Promise.reject(invalid);
    if (this.room === roomId && this.joined) return Promise.resolve(this.store.snapshot()!);
    if (this.room !== roomId) this.forgetRoom(new RealtimeError('left', `superseded by joinRoom(${roomId})`));
    this.room = roomId;
    this.online = true;
    this.setConnection({ status: 'connecting', reason: `joining ${roomId}` });
    const promise = new Promise<RoomSnapshot>((resolve, reject) => this.joinWaiters.push({ resolve, reject }));
    this.later(() => this.completeJoin(roomId), false);
    return promise;
  }

  async leaveRoom(): Promise<void> {
    if (this.room === null) return;
    this.forgetRoom(new RealtimeError('left', 'leaveRoom() was called'));
    this.setConnection({ status: 'open', reason: 'left the room' });
  }

  sendTransform(p: Vec3, r: Quat, extras?: TransformExtras): void {
    assertTransformArgs(p, r, extras);
    const anim = extras?.anim !== undefined ? { anim: extras.anim } : {};
    this.ownTransform = { p, r, seq: ++this.ownSeq, ...anim, ts: this.clock.now() };
    if (this.joined) this.store.setOwnTransform(this.ownTransform);
  }

  sendChat(text: string): Promise<ChatMessage> {
    if (this.room === null) return Promise.reject(new RealtimeError('not_in_room', 'sendChat: join a room first'));
    const clientMsgId = `sim-${++this.chatCounter}`;
    const check = checkChatText(text);
    if (!check.ok) {
      this.events.emit('chatRejected', { reason: check.reason, clientMsgId });
      return Promise.reject(new ChatRejectedError(check.reason, clientMsgId));
    }
    const promise = this.outbox.add({ clientMsgId, text: check.text });
    const retryAfterMs = this.spam.take(this.clock.now());
    this.later(() => {
      if (retryAfterMs > 0) {
        const event = { reason: 'rate_limited' as const, clientMsgId, retryAfterMs };
        this.events.emit('chatRejected', event);
        this.events.emit('notice', { kind: 'rate_limited', what: 'chat', source: 'server', retryAfterMs, message: `Too many messages; try again in ${Math.ceil(retryAfterMs / 1000)} s.` });
        this.outbox.rejected(event);
        return;
      }
      const message = this.broadcastChat(this.self, check.text, clientMsgId);
      this.outbox.confirmed(message);
    });
    return promise;
  }

  // ------------------------------------------------------------ simulation controls

  /** Another simulated member joins (everyone sees `memberJoined`). Returns it, or undefined outside a room. */
  addMember(): Member | undefined {
    if (!this.joined || !this.world) return undefined;
    const member = this.world.spawn(this.clock.now());
    this.deliver({ type: 'member_joined', member });
    return member;
  }

  removeMember(userId: string, reason: LeaveReason = 'left'): void {
    if (this.world?.remove(userId)) this.deliver({ type: 'member_left', userId, reason });
  }

  /** A simulated member says something. */
  memberChat(userId: string, text: string): ChatMessage | undefined {
    const member = this.store.memberList().find((m) => m.userId === userId);
    if (!this.world?.has(userId) || !member) return undefined;
    return this.broadcastChat(member, text);
  }

  /** Put a simulated member somewhere (facing `yaw` radians about +Y); it resumes walking after a second. */
  moveMember(userId: string, p: [number, number, number], yaw = 0): void {
    const t = this.world?.place(userId, p, yaw, this.clock.now());
    if (t) this.deliver({ type: 'avatar_transform_broadcast', transforms: [t] });
  }

  /** Pretend the network dropped for `downMs`: reconnecting, then a rejoin (for demos of the reconnect UI). */
  simulateDrop(downMs = 800): void {
    if (!this.joined || this.room === null) return;
    const roomId = this.room;
    this.joined = false;
    this.ticker.stop();
    const lostAt = this.clock.now();
    this.events.emit('notice', { kind: 'disconnected', message: 'Connection lost; reconnecting…', closeCode: 1006, willReconnect: true });
    this.setConnection({ status: 'reconnecting', reason: 'simulated drop', closeCode: 1006, attempt: 1, retryInMs: downMs, backoff: 'normal' });
    const epoch = this.epoch;
    this.clock.setTimeout(() => {
      if (epoch !== this.epoch) return;
      this.completeJoin(roomId);
      this.events.emit('notice', { kind: 'reconnected', message: 'Reconnected.', downtimeMs: this.clock.now() - lostAt });
    }, downMs);
  }

  // ------------------------------------------------------------ internals

  private completeJoin(roomId: string): void {
    if (this.room !== roomId) return;
    const now = this.clock.now();
    const rejoined = this.everJoined;
    if (!this.world) {
      this.world = new SimWorld(this.random, this.o.areaSize);
      for (let i = 0; i < this.o.members; i++) this.world.spawn(now);
      this.self.joinedAt = now;
    }
    const msg: ServerMessageOf<'room_state'> = {
      type: 'room_state', roomId, self: { userId: this.self.userId, sessionId: `sim-session-${shortId(this.random)}` },
      members: [{ ...this.self }, ...this.world.members()], chat: this.store.chatList(), serverTime: now,
    };
    const missed = this.store.applyRoomState(msg, rejoined);
    if (this.ownTransform) this.store.setOwnTransform(this.ownTransform);
    this.joined = this.everJoined = true;
    this.setConnection({ status: 'open' });
    const snapshot = this.store.snapshot(rejoined)!;
    this.events.emit('roomState', snapshot);
    for (const m of missed) this.events.emit('chat', m);
    for (const w of this.joinWaiters.splice(0)) w.resolve(snapshot);
    this.scheduleTick();
  }

  private scheduleTick(): void {
    const dt = 1000 / this.o.tickHz;
    this.ticker.start(dt, () => {
      if (!this.joined || !this.world) return;
      const transforms: BroadcastTransform[] = this.world.step(dt, this.clock.now());
      if (transforms.length > 0) this.deliver({ type: 'avatar_transform_broadcast', transforms });
      if (this.o.chatEveryMs > 0) {
        for (const id of this.world.ids()) if (this.random() < dt / this.o.chatEveryMs) this.memberChat(id, this.world.line());
      }
      this.scheduleTick();
    });
  }

  private broadcastChat(from: Member, text: string, clientMsgId?: string): ChatMessage {
    const now = this.clock.now();
    // Sortable like the gateway's ULIDs: time, then a counter (monotonic within a millisecond).
    const id = sortableId(now, () => 0).slice(0, 10) + (++this.idCounter).toString(32).toUpperCase().padStart(16, '0');
    const message: ChatMessage = { id, roomId: this.room!, userId: from.userId, displayName: from.displayName, text, ts: now, ...(clientMsgId ? { clientMsgId } : {}) };
    this.deliver({ type: 'chat_broadcast', ...message });
    return message;
  }

  private deliver(msg: Parameters<typeof applyRoomMessage>[2]): void {
    applyRoomMessage(this.store, this.events, msg);
  }

  /**
   * Run `fn` after the simulated latency, unless the room was left or the provider disconnected
   * meanwhile. During a simulated drop, room traffic waits for the rejoin (as the ws outbox does).
   */
  private later(fn: () => void, needsJoin = true): void {
    const epoch = this.epoch;
    this.clock.setTimeout(() => {
      if (epoch !== this.epoch) return;
      if (needsJoin && !this.joined) return this.later(fn, needsJoin);
      fn();
    }, this.o.latencyMs);
  }

  private forgetRoom(err: Error): void {
    if (this.room !== null) this.ownTransform = undefined;
    this.epoch++;
    this.ticker.stop();
    this.room = null;
    this.world = null;
    this.joined = this.everJoined = false;
    this.store.clear();
    this.outbox.failAll(err);
    for (const w of this.joinWaiters.splice(0)) w.reject(err);
  }

  private setConnection(state: ConnectionState): void {
    this.connection = state;
    this.events.emit('connectionState', { ...state });
  }
}
