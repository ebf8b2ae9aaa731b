/**
 * The node's rooms: joins and leaves, chat, the transform flush loop, and the events that arrive
 * from other nodes through the store. Presence timing (grace periods, leases) is in presence.ts,
 * blocklists in blocklists.ts.
 */
import {
  ChatRejectReason,
  CloseCode,
  ErrorCode,
  Limits,
  type BroadcastTransform,
  type ChatMessage,
  type ClientMessageOf,
  type LeaveReason,
  type Member,
  type ServerMessage,
} from '../protocol/index.js';
import type { Identity, TokenVerifier } from './auth.js';
import { Blocklists } from './blocklists.js';
import { checkChatText, newChatId } from './chat.js';
import type { Fault, GatewayConfig } from './config.js';
import type { Logger } from './log.js';
import type { GatewayMetrics } from './metrics.js';
import { memberOf } from './member.js';
import { Presence } from './presence.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { LocalRoom, type FanoutCounters, type TransformSender } from './room.js';
import type { Session } from './session.js';
import type { ChatOutcome, MemberRecord, RoomEvent, RoomSnapshot, Store, StoreHandlers } from './store/types.js';

type Room = LocalRoom<Session>;

/** Latest transforms are written to the store every this many flush intervals (they only seed `room_state`). */
const SAVE_EVERY_FLUSHES = 5;
/**
 * Rooms are spread over this many phases of the flush interval, and each timer tick flushes one
 * phase's rooms: every room still flushes once per interval, but no tick holds the event loop for
 * the whole node's fan-out at once.
 */
export const FLUSH_PHASES = 5;

export class Hub implements StoreHandlers {
  readonly rooms = new Map<string, Room>();
  readonly presence: Presence;
  readonly blocklists: Blocklists;
  private readonly dirty = new Set<Room>();
  private readonly unsaved = new Map<string, { roomId: string; userId: string; transform: BroadcastTransform }>();
  /** Anti-spam when the store cannot answer: per user, on this node only. */
  private readonly fallbackChatLimits = new Map<string, SlidingWindowLimiter>();
  private flushes = 0;
  private flushTick = 0;
  private nextPhase = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  storeUp = true;
  readonly counters: FanoutCounters;
  /** Deliberate faults (RTGW_FAULTS), for scenario self-tests; empty in normal operation. */
  readonly faults: ReadonlySet<Fault>;
  /** Sees every room event of this node's rooms: its own as they happen, other nodes' as they arrive (gateway/admin.ts). */
  tap: ((roomId: string, event: RoomEvent) => void) | undefined;
  /** Rooms admin observers watch here, and how many watch each (see `watch`). */
  private readonly watched = new Map<string, number>();
  /** Rooms an observer on another node watches, until when: their transforms are published regardless of `remote`. */
  private readonly observedUntil = new Map<string, number>();

  constructor(
    readonly config: GatewayConfig,
    readonly store: Store,
    readonly verifier: TokenVerifier,
    readonly metrics: GatewayMetrics,
    readonly log: Logger,
  ) {
    this.faults = new Set(config.faults);
    if (this.faults.size > 0) log.warn({ faults: [...this.faults] }, 'FAULTS INJECTED: this gateway breaks its guarantees on purpose');
    this.presence = new Presence(this);
    this.blocklists = new Blocklists(this);
    this.counters = {
      framesOut: (type, n) => metrics.messageOut(type, n),
      dropped: (reason, n) => metrics.drop(reason, n),
    };
  }

  get nodeId(): string {
    return this.config.nodeId;
  }

  start(): void {
    this.flushTimer = setInterval(() => this.flush(this.flushTick++ % FLUSH_PHASES), this.config.flushIntervalMs / FLUSH_PHASES);
    this.presence.start();
  }

  stop(): void {
    clearInterval(this.flushTimer);
    this.presence.stop();
    this.flush();
    this.saveTransforms();
  }

  // ---------------------------------------------------------------- join and leave

  /** This node's wall clock (shifted only by the test-only RTGW_TEST_CLOCK_OFFSET_MS). */
  now(): number {
    return Date.now() + this.config.testClockOffsetMs;
  }

  async join(session: Session, identity: Identity): Promise<void> {
    const { roomId, userId } = identity;
    if (session.room?.roomId === roomId && session.userId === userId) this.detachSession(session); // a silent re-join
    else if (session.room) await this.leave(session, 'left'); // a second join_room moves the socket
    const room = this.room(roomId);
    session.beginJoin(identity, room);
    room.joining++;
    try {
      // The room's channel and the joiner's blocklist at once, then the join script: a join waits
      // for two store round trips, and only the second is serialised with the room's other changes.
      await Promise.all([this.presence.subscribe(room), this.blocklists.track(session).then((blocked) => (session.blocked = blocked))]);
      const record: MemberRecord = {
        userId,
        displayName: identity.displayName,
        device: identity.device,
        joinedAt: this.now(),
        sessionId: session.id,
        nodeId: this.nodeId,
      };
      await this.presence.join(room, session, record);
      if (!session.member) {
        // Refused or died mid-join: not a member.
        if (session.room === room) session.detach();
        this.blocklists.untrack(session);
      }
    } catch (err) {
      this.log.error({ err, room: roomId, user: userId }, 'join failed');
      if (room.sessions.get(userId) === session) {
        room.sessions.delete(userId);
        this.metrics.members.dec();
      }
      session.detach();
      this.blocklists.untrack(session);
      // A record written before the failure is this node's and not held: the next reconciliation removes it.
      session.refuseJoin(ErrorCode.INTERNAL, 'the gateway could not join the room; try again', CloseCode.INTERNAL_ERROR);
    } finally {
      room.joining--;
      this.releaseIfIdle(room);
      this.presence.notifyIfSettled();
    }
  }

  /** The room is full: refuse the join (presence found it so). */
  refuseFull(session: Session): void {
    session.detach();
    this.blocklists.untrack(session);
    session.refuseJoin(ErrorCode.ROOM_FULL, `room "${session.identity?.roomId}" is full (${this.config.maxRoomSize} members)`, CloseCode.ROOM_FULL);
  }

  /**
   * The store accepted the join: bring this node's view of the room in line with the snapshot
   * (telling its other members of any difference), then send the joiner that same view, so every
   * member on this node sees one membership, which reconciliation keeps true to the store.
   * `since`: the room's version before the snapshot was read (later news wins over it).
   */
  completeJoin(room: Room, session: Session, snapshot: RoomSnapshot, isNew: boolean, since: number): void {
    const inSnapshot = new Set<string>();
    for (const m of snapshot.members) {
      if (m.nodeId === this.nodeId) continue;
      inSnapshot.add(m.userId);
      if (room.sessions.has(m.userId) || room.grace.has(m.userId) || room.changedSince(m.userId, since)) continue;
      if (!room.remote.has(m.userId)) this.learnRemote(room, m, session);
      else this.markRemote(room, m.userId, m.nodeId, memberOf(m));
    }
    for (const userId of [...room.remote.keys()]) {
      if (!inSnapshot.has(userId) && !room.changedSince(userId, since)) this.forgetRemote(room, userId, session);
    }
    session.completeJoin(this.roomState(room, session, snapshot));
    const record = session.member!;
    if (isNew) this.announce(room, { kind: 'member_joined', origin: this.nodeId, member: memberOf(record) }, session.userId);
  }

  showJoined(room: Room, record: MemberRecord): void {
    this.deliver(room, { kind: 'member_joined', origin: this.nodeId, member: memberOf(record) });
  }

  /** room_state from this node's view: its own members (joined or in grace) and the remote ones it knows. */
  private roomState(room: Room, session: Session, snapshot: RoomSnapshot): ServerMessage {
    const blocked = session.blocked;
    const members: Member[] = [];
    const add = (member: Member | undefined) => {
      if (!member || blocked?.has(member.userId)) return;
      // This node's view of a transform is fresher than the store's (written every few flushes).
      const transform = room.transformOf(member.userId) ?? snapshot.transforms[member.userId];
      members.push(transform ? { ...member, transform } : member);
    };
    const records = new Map(snapshot.members.map((m) => [m.userId, m]));
    for (const s of room.sessions.values()) add(s.member ? memberOf(s.member) : undefined);
    for (const [userId, entry] of room.grace) if (!room.sessions.has(userId)) add(entry.member ? memberOf(entry.member) : undefined);
    for (const userId of room.remote.keys()) {
      const record = records.get(userId);
      add(room.remoteInfo.get(userId) ?? (record ? memberOf(record) : undefined));
    }
    members.sort((x, y) => x.joinedAt - y.joinedAt || (x.userId < y.userId ? -1 : 1));
    return {
      type: 'room_state',
      roomId: room.roomId,
      self: { userId: session.userId, sessionId: session.id },
      members,
      chat: snapshot.chat.filter((m) => !blocked?.has(m.userId)).map((m) => (m.clientMsgId !== undefined && m.userId !== session.userId ? withoutAck(m) : m)),
      serverTime: this.now(),
    };
  }

  /** `leave_room`, or moving to another room: the others are told at once. */
  async leave(session: Session, reason: LeaveReason): Promise<void> {
    const room = session.room;
    if (!room) return;
    const userId = session.userId;
    this.detachSession(session);
    await this.presence.end(room, userId, session.id, reason);
  }

  /** The socket closed: its member stays for the grace period unless it was kicked or replaced. */
  socketClosed(session: Session): void {
    this.metrics.connections.dec();
    const room = session.room;
    if (!room) return this.blocklists.untrack(session);
    const userId = session.userId;
    if (room.sessions.get(userId) !== session) return; // mid-join: join() cleans up
    const member = session.member;
    this.detachSession(session);
    if (session.goneReason === 'kicked') {
      void this.presence.end(room, userId, session.id, 'kicked');
      return;
    }
    this.presence.startGrace(room, userId, session.id, session.goneReason, member);
  }

  detachSession(session: Session): void {
    const room = session.room;
    if (room && room.sessions.get(session.userId) === session) {
      room.sessions.delete(session.userId);
      room.touch(session.userId);
      this.metrics.members.dec();
    }
    session.detach();
    this.blocklists.untrack(session);
  }

  /** A member of this node left for good: forget it and tell local members and other nodes. */
  memberGone(room: Room, userId: string, reason: LeaveReason): void {
    room.forget(userId);
    this.announce(room, { kind: 'member_left', origin: this.nodeId, userId, reason });
  }

  /** A dead node's member was removed by this node's reap: tell everyone (receivers ignore what they already know). */
  reaped(roomId: string, userId: string): void {
    const room = this.rooms.get(roomId);
    if (room?.remote.has(userId)) this.forgetRemote(room, userId);
    else room?.forget(userId);
    this.publish(roomId, { kind: 'member_left', origin: this.nodeId, userId, reason: 'disconnected' });
  }

  /** Reconciliation re-added a member held here: other nodes may have been told it left. */
  republishJoined(room: Room, record: MemberRecord): void {
    this.publish(room.roomId, { kind: 'member_joined', origin: this.nodeId, member: memberOf(record) });
  }

  /** Reconciliation removed a record of this node's: the store agrees now; tell the other nodes. */
  publishLeft(room: Room, userId: string, reason: LeaveReason): void {
    this.publish(room.roomId, { kind: 'member_left', origin: this.nodeId, userId, reason });
  }

  /** A member on another node this node's members did not know: add it to their view. */
  learnRemote(room: Room, record: MemberRecord, except?: Session): void {
    this.markRemote(room, record.userId, record.nodeId, memberOf(record));
    const transform = room.transformOf(record.userId);
    const member = transform ? { ...memberOf(record), transform } : memberOf(record);
    room.broadcast('member_joined', JSON.stringify({ type: 'member_joined', member }), record.userId, this.counters, except?.userId ?? record.userId);
  }

  /** A member on another node is gone (the store says so): remove it from local views. */
  forgetRemote(room: Room, userId: string, except?: Session): void {
    if (!room.remote.has(userId)) return;
    room.forget(userId);
    const frame = JSON.stringify({ type: 'member_left', userId, reason: 'disconnected' });
    room.broadcast('member_left', frame, userId, this.counters, except?.userId ?? userId);
  }

  /** Deliver an event to this node's members of the room and publish it to the other nodes. */
  private announce(room: Room, event: RoomEvent, exclude?: string): void {
    this.deliver(room, event, exclude);
    this.publish(room.roomId, event);
  }

  /** Publish an event of this node's to the other nodes (and to this node's admin observers). */
  private publish(roomId: string, event: RoomEvent): void {
    this.store.publish(roomId, event);
    this.tap?.(roomId, event);
  }

  // ---------------------------------------------------------------- transforms and chat

  /** Called by sessions for each accepted transform; delivery waits for a flush its sender's budget allows. */
  transform(room: Room, t: BroadcastTransform, sender: TransformSender): void {
    room.queueTransform(t, sender, t.ts);
    this.dirty.add(room);
  }

  /** Flush the rooms of `phase` (all rooms when undefined, as at shutdown). */
  private flush(phase?: number): void {
    const now = Date.now();
    for (const room of this.dirty) {
      if (phase !== undefined && room.phase !== phase) continue;
      const entries = room.flush(this.counters, now);
      if (!room.hasPending) this.dirty.delete(room); // a sender over its budget waits for the next flush
      if (entries.length === 0) continue;
      const event: RoomEvent = { kind: 'transforms', origin: this.nodeId, transforms: entries };
      if (room.remote.size > 0 || this.observedElsewhere(room.roomId, now)) this.store.publish(room.roomId, event);
      this.tap?.(room.roomId, event);
      for (const t of entries) this.unsaved.set(`${room.roomId}\n${t.userId}`, { roomId: room.roomId, userId: t.userId, transform: t });
    }
    if (phase === 0 && ++this.flushes % SAVE_EVERY_FLUSHES === 0) this.saveTransforms();
  }

  private saveTransforms(): void {
    if (this.unsaved.size === 0 || !this.storeUp) return;
    const batch = [...this.unsaved.values()].map(({ roomId, userId, transform: { userId: _u, ...transform } }) => ({ roomId, userId, transform }));
    this.unsaved.clear();
    this.store.saveTransforms(batch).catch((err: unknown) => this.log.warn({ err }, 'could not save transforms'));
  }

  /**
   * Chat is idempotent per (user, clientMsgId): a resend (the SDK resends what was not acknowledged
   * when its socket died) is answered with the original echo and not broadcast again. Every
   * chat_send gets an answer: an echo, a chat_rejected, or an error.
   */
  async chat(session: Session, msg: ClientMessageOf<'chat_send'>): Promise<void> {
    const room = session.room!;
    const clientMsgId = msg.clientMsgId;
    const noLimits = this.faults.has('no-chat-limits');
    const check = noLimits ? { ok: true as const, text: msg.text } : checkChatText(msg.text);
    if (!check.ok) return session.send({ type: 'chat_rejected', reason: check.reason, clientMsgId });
    const dedupe = clientMsgId !== undefined && !this.faults.has('no-chat-dedupe');
    const seen = dedupe ? room.findChat(session.userId, clientMsgId) : undefined;
    if (seen) return this.echo(session, seen, clientMsgId);
    const now = this.now();
    // This socket's own share first: a flood past the limit is refused without a store call.
    const local = Date.now();
    if (!noLimits && !this.faults.has('no-budgets') && !session.chatBudget.take(local)) {
      this.metrics.drop('chat_rate_limited');
      session.send({ type: 'chat_rejected', reason: ChatRejectReason.RATE_LIMITED, clientMsgId, retryAfterMs: session.chatBudget.retryAfter(local) });
      return session.overBudgetAgain();
    }
    const message: ChatMessage = {
      id: newChatId(now),
      roomId: room.roomId,
      userId: session.userId,
      displayName: session.identity!.displayName,
      text: check.text,
      ts: now,
      ...(dedupe ? { clientMsgId } : {}),
    };
    const outcome = await this.storeChat(message, noLimits);
    if (outcome.status === 'duplicate') return this.echo(session, outcome.original, clientMsgId);
    if (outcome.status === 'rate_limited') {
      this.metrics.drop('chat_rate_limited');
      return session.send({ type: 'chat_rejected', reason: ChatRejectReason.RATE_LIMITED, clientMsgId, retryAfterMs: outcome.retryAfterMs });
    }
    // Only the sender's copy carries clientMsgId: it is the acknowledgement of that send.
    this.echo(session, message, clientMsgId);
    this.announce(room, { kind: 'chat', origin: this.nodeId, message });
  }

  /**
   * The store's part of a chat (dedupe, the user's slot across nodes, the history) in one call. When
   * the store cannot answer, this node's own counter decides and an accepted message is kept here
   * (recentChat) and merged back when the store returns.
   */
  private async storeChat(message: ChatMessage, noLimits: boolean): Promise<ChatOutcome> {
    const { CHAT_MAX_PER_WINDOW: limit, CHAT_WINDOW_MS: windowMs } = Limits;
    try {
      if (this.faults.has('lose-chat-history')) {
        const slot = noLimits ? { ok: true as const } : await this.store.takeChatSlot(message.userId, message.ts, limit, windowMs);
        return slot.ok ? { status: 'accepted' } : { status: 'rate_limited', retryAfterMs: slot.retryAfterMs };
      }
      if (noLimits) {
        const original = await this.store.appendChat(message);
        return original ? { status: 'duplicate', original } : { status: 'accepted' };
      }
      return await this.store.sendChat(message, limit, windowMs);
    } catch (err) {
      let limiter = this.fallbackChatLimits.get(message.userId);
      if (!limiter) this.fallbackChatLimits.set(message.userId, (limiter = new SlidingWindowLimiter(limit, windowMs)));
      if (!noLimits && !limiter.take(message.ts)) return { status: 'rate_limited', retryAfterMs: windowMs };
      this.log.warn({ err, room: message.roomId }, 'chat not saved; kept for re-sync');
      return { status: 'accepted' };
    }
  }

  private echo(session: Session, message: ChatMessage, clientMsgId: string | undefined): void {
    session.send({ type: 'chat_broadcast', ...message, clientMsgId });
  }

  // ---------------------------------------------------------------- events from the store

  /**
   * Events from other nodes. Receivers are idempotent and believe only what fits the membership
   * they know: a join of a member already known, a leave of a member not known, and transforms or
   * chat from someone not known as a member on the publishing node change nothing (a stalled node's
   * late traffic, a lost or repeated message). Reconciliation repairs whatever was missed.
   */
  onRoomEvent(roomId: string, event: RoomEvent): void {
    if (event.origin === this.nodeId) return; // delivered locally when it happened
    if (event.kind === 'observed') return void this.observedUntil.set(roomId, Date.now() + event.forMs);
    this.tap?.(roomId, event);
    const room = this.rooms.get(roomId);
    if (!room) return;
    switch (event.kind) {
      case 'transforms':
        return room.receiveRemoteTransforms(event.origin, event.transforms, this.counters);
      case 'session_replaced':
        this.presence.replacedElsewhere(room, event.userId, event.sessionId);
        return this.markRemote(room, event.userId, event.origin); // it resumed on the publishing node
      case 'member_joined': {
        const userId = event.member.userId;
        // Held here: reconciliation decides. (A user joining here is still the other node's member
        // until the join takes it over, and that node's chat for it may follow: it is shown.)
        if (room.sessions.has(userId) || room.grace.has(userId)) return;
        const known = room.remote.has(userId);
        this.markRemote(room, userId, event.origin, event.member);
        if (!known) this.deliver(room, event);
        return;
      }
      case 'member_left':
        if (!room.remote.has(event.userId)) return; // held here (stale news), or already gone
        room.forget(event.userId);
        return this.deliver(room, event);
      case 'chat':
        const from = room.remote.get(event.message.userId) ?? room.movedFrom.get(event.message.userId);
        if (from !== event.origin) return this.metrics.drop('not_a_member');
        return this.deliver(room, event);
    }
  }

  /** Send a membership or chat event to this node's members, minus the originator and its blockers. */
  private deliver(room: Room, event: RoomEvent, exclude?: string): void {
    switch (event.kind) {
      case 'member_joined': {
        const frame = JSON.stringify({ type: 'member_joined', member: event.member });
        return room.broadcast('member_joined', frame, event.member.userId, this.counters, exclude ?? event.member.userId);
      }
      case 'member_left': {
        const frame = JSON.stringify({ type: 'member_left', userId: event.userId, reason: event.reason });
        return room.broadcast('member_left', frame, event.userId, this.counters, exclude ?? event.userId);
      }
      case 'chat': {
        room.rememberChat(event.message);
        const { clientMsgId: _ack, ...shown } = event.message; // only the sender's echo carries it
        const frame = JSON.stringify({ type: 'chat_broadcast', ...shown });
        return room.broadcast('chat_broadcast', frame, event.message.userId, this.counters, event.message.userId);
      }
    }
  }

  onBlocksChanged(userId: string): void {
    this.blocklists.changed(userId);
  }

  onDisconnected(): void {
    this.storeUp = false;
    this.log.warn('store connection lost: serving local members only until it returns');
  }

  onReconnected(): void {
    this.storeUp = true;
    this.log.info('store connection back: re-asserting this node’s members, chat and transforms');
    if (!this.faults.has('no-resync')) void this.presence.resync();
  }

  /**
   * Record a member on another node. When that makes a local-only room shared, the other node may
   * have joined between its snapshot and this news, missing transforms this node did not publish:
   * publish the local members' latest ones once.
   */
  private markRemote(room: Room, userId: string, nodeId: string, info?: Member): void {
    if (!room.markRemote(userId, nodeId, info)) return;
    const latest = room.localLatest();
    if (latest.length > 0) this.store.publish(room.roomId, { kind: 'transforms', origin: this.nodeId, transforms: latest });
  }

  // ---------------------------------------------------------------- rooms

  room(roomId: string): Room {
    let room = this.rooms.get(roomId);
    if (!room) {
      this.rooms.set(roomId, (room = new LocalRoom<Session>(roomId)));
      room.phase = this.nextPhase++ % FLUSH_PHASES; // round robin: rooms spread evenly over the interval
      this.metrics.rooms.set(this.rooms.size);
    }
    return room;
  }

  /** Drop a room nobody on this node is in, joining, or within a grace period of. */
  releaseIfIdle(room: Room): void {
    if (room.sessions.size > 0 || room.joining > 0 || this.presence.hasGrace(room) || room.pendingLeaves.size > 0) return;
    if (this.rooms.get(room.roomId) !== room) return;
    this.rooms.delete(room.roomId);
    this.dirty.delete(room);
    this.metrics.rooms.set(this.rooms.size);
    this.observedUntil.delete(room.roomId);
    if (!this.watched.has(room.roomId)) this.presence.unsubscribe(room); // else an admin observer still listens
  }

  // ---------------------------------------------------------------- admin observers (gateway/admin.ts)

  /**
   * Keep the room's channel subscribed, members on this node or not, until the returned function is
   * called: an observer then sees every node's events through `tap` without being a member. (The
   * observer also publishes `observed` now and then, so that nodes whose members are alone in the
   * room publish their transforms all the same: gateway/admin-stream.ts.)
   */
  async watch(roomId: string): Promise<() => void> {
    this.watched.set(roomId, (this.watched.get(roomId) ?? 0) + 1);
    let watching = true;
    const unwatch = () => {
      if (!watching) return;
      watching = false;
      const left = this.watched.get(roomId)! - 1;
      if (left > 0) return void this.watched.set(roomId, left);
      this.watched.delete(roomId);
      // A room with members here keeps its subscription; releaseIfIdle drops it later.
      if (!this.rooms.has(roomId)) this.store.unsubscribeRoom(roomId).catch((err: unknown) => this.log.warn({ err }, 'unsubscribe failed'));
    };
    try {
      await this.store.subscribeRoom(roomId);
    } catch (err) {
      unwatch();
      throw err;
    }
    return unwatch;
  }

  private observedElsewhere(roomId: string, now: number): boolean {
    const until = this.observedUntil.get(roomId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.observedUntil.delete(roomId);
    return false;
  }
}

function withoutAck(message: ChatMessage): ChatMessage {
  const { clientMsgId: _ack, ...shown } = message;
  return shown;
}

