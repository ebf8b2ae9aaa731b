/**
 * Presence: the one owner of every (room, user) membership this node holds, from join to leave.
 *
 * Assume loss, then converge. Every store call can fail and every pub/sub message can be lost, so
 * nothing here depends on one call or one message:
 * - membership changes of one room run one at a time (`LocalRoom.serial`), so a reconciliation never
 *   sees half a join;
 * - the node's lease is renewed on Redis time (never this node's clock); a heartbeat that finds the
 *   lease gone means other nodes reaped this node while it stalled: it is *fenced*, and it re-asserts;
 * - on every heartbeat each room is reconciled both ways: this node's held memberships are written
 *   back compare-and-set (a live session elsewhere wins, and the holder here closes with 4005), its
 *   records of sessions it no longer holds are removed and announced, and its view of other nodes'
 *   members is corrected from the store;
 * - a removal that fails (store unreachable) is applied locally at once and completed by the next
 *   reconciliation; shutdown drops the lease only once every removal succeeded.
 */
import { CloseCode, type LeaveReason } from '../protocol/index.js';
import type { Fault, GatewayConfig } from './config.js';
import type { Logger } from './log.js';
import { memberOf } from './member.js';
import type { GatewayMetrics } from './metrics.js';
import type { LocalRoom } from './room.js';
import type { Session } from './session.js';
import type { MemberRecord, ReconcileOutcome, RoomSnapshot, Store } from './store/types.js';

type Room = LocalRoom<Session>;

/**
 * What presence needs from the node that composes it (the hub): the room registry and the
 * announcements. Presence decides membership; the host tells members about it.
 */
export interface PresenceHost {
  readonly config: GatewayConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly faults: ReadonlySet<Fault>;
  readonly nodeId: string;
  readonly rooms: ReadonlyMap<string, Room>;
  refuseFull(session: Session): void;
  completeJoin(room: Room, session: Session, snapshot: RoomSnapshot, isNew: boolean, since: number): void;
  /** Tell this node's members (only) that `record` joined. */
  showJoined(room: Room, record: MemberRecord): void;
  detachSession(session: Session): void;
  memberGone(room: Room, userId: string, reason: LeaveReason): void;
  releaseIfIdle(room: Room): void;
  reaped(roomId: string, userId: string): void;
  republishJoined(room: Room, record: MemberRecord): void;
  publishLeft(room: Room, userId: string, reason: LeaveReason): void;
  learnRemote(room: Room, record: MemberRecord, except?: Session): void;
  forgetRemote(room: Room, userId: string, except?: Session): void;
}

/** How long past the drain time shutdown waits for the store before it stops anyway. */
const DRAIN_MARGIN_MS = 3000;

export class Presence {
  private leaseTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** The lease was written once: from then on a heartbeat that finds it gone means this node was fenced. */
  private registered = false;
  /** Set during shutdown: grace periods end after this many ms instead of config.graceMs. */
  private graceOverrideMs: number | undefined;
  private settledWaiters: Array<() => void> = [];
  /** Times this node found itself fenced (for /metrics and tests). */
  fencedCount = 0;

  constructor(private readonly hub: PresenceHost) {}

  start(): void {
    void this.tick();
    this.leaseTimer = setInterval(() => void this.tick(), this.hub.config.heartbeatMs);
  }

  stop(): void {
    clearInterval(this.leaseTimer);
  }

  async subscribe(room: Room): Promise<void> {
    room.subscription ??= this.hub.store.subscribeRoom(room.roomId);
    try {
      await room.subscription;
    } catch (err) {
      room.subscription = undefined; // let the next join try again
      throw err;
    }
  }

  unsubscribe(room: Room): void {
    if (!room.subscription) return;
    room.subscription = undefined;
    this.hub.store.unsubscribeRoom(room.roomId).catch((err: unknown) => this.hub.log.warn({ err }, 'unsubscribe failed'));
  }

  // ---------------------------------------------------------------- join

  /**
   * Write `record` for `session` (a join takes the membership over from any previous session: the
   * new socket wins) and build its room_state. Serialised with every other change of the room.
   */
  async join(room: Room, session: Session, record: MemberRecord): Promise<void> {
    const { store, config } = this.hub;
    const userId = record.userId;
    await room.serial(async () => {
      room.joiningRecords.set(userId, record);
      try {
        // Fault `slow-join` (the storm scenario's self-test only): hold the room's serialised section
        // 200 ms, as a join path with several sequential store round trips in here would under load;
        // the joiners of one room then wait for each other.
        if (this.hub.faults.has('slow-join')) await new Promise((r) => setTimeout(r, 200));
        const since = room.version; // what changes while the store reads the room is newer than its snapshot
        const outcome = await store.joinRoom(room.roomId, record, config.maxRoomSize);
        if (outcome.status === 'full') return this.hub.refuseFull(session);
        const previous = outcome.previous;
        if (!session.isOpen) {
          // The socket died mid-join: put back what was there, so a healthy session of this user
          // (another tab) is neither replaced nor announced as left. Nothing was announced yet.
          await store.restoreMember(room.roomId, userId, session.id, previous && this.stillLive(room, previous) ? previous : undefined);
          return;
        }
        // The user was already a member: a resume (within the grace period) or a replacement.
        // Either way the others keep seeing one member and are told nothing — unless this node's
        // members never saw it (its member_joined from the other node had not arrived yet).
        const shownHere = room.sessions.has(userId) || room.grace.has(userId) || room.remote.has(userId);
        this.takeOver(room, userId, previous);
        room.pendingLeaves.delete(userId);
        room.sessions.set(userId, session);
        room.remote.delete(userId);
        if (previous && previous.nodeId !== this.hub.nodeId) room.movedFrom.set(userId, previous.nodeId);
        else room.movedFrom.delete(userId);
        room.touch(userId);
        session.member = record;
        this.hub.metrics.members.inc();
        // Taken over from another node before its member_joined reached this one: this node's members
        // are told now, before anything else of this member (its chat from that node) reaches them.
        if (previous && !shownHere) this.hub.showJoined(room, record);
        this.hub.completeJoin(room, session, outcome.room, previous === undefined, since);
      } finally {
        room.joiningRecords.delete(userId);
      }
    });
  }

  /** A previous record worth restoring: held by a live session here, or by another node (its lease decides). */
  private stillLive(room: Room, previous: MemberRecord): boolean {
    if (previous.nodeId !== this.hub.nodeId) return true;
    return room.sessions.get(previous.userId)?.id === previous.sessionId || room.grace.get(previous.userId)?.sessionId === previous.sessionId;
  }

  /** End the user's previous session wherever it is, without telling the other members anything. */
  private takeOver(room: Room, userId: string, previous: MemberRecord | undefined): void {
    const existing = room.sessions.get(userId);
    if (existing) this.replace(existing);
    this.cancelGrace(room, userId);
    if (previous && previous.nodeId !== this.hub.nodeId) {
      this.hub.store.publish(room.roomId, { kind: 'session_replaced', origin: this.hub.nodeId, userId, sessionId: previous.sessionId });
    }
  }

  /** Another node took over `sessionId`'s membership. */
  replacedElsewhere(room: Room, userId: string, sessionId: string): void {
    const live = room.sessions.get(userId);
    if (live?.id === sessionId) this.replace(live);
    if (room.grace.get(userId)?.sessionId === sessionId) this.cancelGrace(room, userId);
    this.hub.releaseIfIdle(room);
  }

  private replace(session: Session): void {
    session.goneReason = 'replaced';
    this.hub.detachSession(session);
    session.close(CloseCode.SESSION_REPLACED, 'session replaced');
  }

  // ---------------------------------------------------------------- leave

  /**
   * The membership ends for good (`leave_room`, a kick, the end of a grace period). When the store
   * answers, the others are told only if this session still held the membership; when it cannot,
   * this node's members are told at once and the next reconciliation removes the record and tells
   * the other nodes.
   */
  async end(room: Room, userId: string, sessionId: string, reason: LeaveReason): Promise<void> {
    await room.serial(async () => {
      try {
        if (await this.hub.store.removeMember(room.roomId, userId, sessionId)) this.hub.memberGone(room, userId, reason);
      } catch (err) {
        this.hub.log.warn({ err, room: room.roomId, user: userId }, 'could not remove a member; the next reconciliation will');
        room.pendingLeaves.set(userId, { sessionId, reason });
        this.hub.memberGone(room, userId, reason);
      }
    });
    this.hub.releaseIfIdle(room);
    this.notifyIfSettled();
  }

  // ---------------------------------------------------------------- grace periods

  startGrace(room: Room, userId: string, sessionId: string, reason: LeaveReason, member?: MemberRecord): void {
    this.cancelGrace(room, userId);
    const ms = this.graceOverrideMs ?? this.hub.config.graceMs;
    const timer = setTimeout(() => void this.endGrace(room, userId, sessionId, reason), ms);
    room.grace.set(userId, { sessionId, timer, member });
  }

  hasGrace(room: Room): boolean {
    return room.grace.size > 0;
  }

  private cancelGrace(room: Room, userId: string): void {
    const entry = room.grace.get(userId);
    if (!entry) return;
    clearTimeout(entry.timer);
    room.grace.delete(userId);
    this.notifyIfSettled();
  }

  private async endGrace(room: Room, userId: string, sessionId: string, reason: LeaveReason): Promise<void> {
    const entry = room.grace.get(userId);
    if (entry?.sessionId !== sessionId) return;
    room.grace.delete(userId);
    await this.end(room, userId, sessionId, reason);
  }

  // ---------------------------------------------------------------- lease, reaping, reconciliation

  /** Renew the lease, reap dead nodes, reconcile every room. Runs every heartbeat and when the store returns. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    const { store, config, nodeId } = this.hub;
    try {
      const existed = await store.heartbeat(nodeId);
      if (!existed && this.registered) {
        this.fencedCount++;
        this.hub.metrics.drop('fenced');
        this.hub.log.warn('fenced: this node’s lease was gone (reaped while it could not renew); re-asserting its memberships');
      }
      this.registered = true;
      for (const reaped of await store.reapDeadNodes(nodeId, config.leaseMs)) {
        this.hub.log.info(reaped, 'removed a member of a dead node');
        this.hub.reaped(reaped.roomId, reaped.userId);
      }
      if (this.hub.faults.has('no-fencing')) return;
      for (const room of [...this.hub.rooms.values()]) await this.reconcile(room);
    } catch (err) {
      this.hub.log.debug({ err }, 'lease renewal or reconciliation failed; retrying on the next heartbeat');
    } finally {
      this.ticking = false;
    }
  }

  /** What this node holds in the room: joined sessions, joins in flight and members in their grace period. */
  private held(room: Room): MemberRecord[] {
    const held = new Map<string, MemberRecord>();
    for (const [userId, entry] of room.grace) if (entry.member) held.set(userId, entry.member);
    for (const [userId, record] of room.joiningRecords) held.set(userId, record);
    for (const [userId, session] of room.sessions) if (session.member) held.set(userId, session.member);
    return [...held.values()];
  }

  private async reconcile(room: Room): Promise<void> {
    await room.serial(async () => {
      const since = room.version;
      const outcome = await this.hub.store.reconcileRoom(room.roomId, this.hub.nodeId, this.held(room), this.hub.config.leaseMs);
      this.apply(room, outcome, since);
    });
    this.hub.releaseIfIdle(room);
    this.notifyIfSettled();
  }

  private apply(room: Room, outcome: ReconcileOutcome, since: number): void {
    const hub = this.hub;
    for (const userId of outcome.superseded) {
      // A live session on another node holds it now (a lost `session_replaced`, or a resume elsewhere while cut off).
      const session = room.sessions.get(userId);
      if (session) this.replace(session);
      this.cancelGrace(room, userId);
      hub.log.info({ room: room.roomId, user: userId }, 'membership held elsewhere: closed the session here (4005)');
    }
    for (const userId of outcome.added) {
      // Re-asserted (fenced, or the store lost it): other nodes may have been told it left.
      const record = room.sessions.get(userId)?.member ?? room.grace.get(userId)?.member;
      if (record) hub.republishJoined(room, record);
    }
    for (const userId of outcome.removed) {
      const pending = room.pendingLeaves.get(userId);
      hub.publishLeft(room, userId, pending?.reason ?? 'disconnected');
    }
    room.pendingLeaves.clear();
    // The other half: this node's view of the other nodes' members.
    const inStore = new Map<string, MemberRecord>();
    for (const m of outcome.members) if (m.nodeId !== hub.nodeId) inStore.set(m.userId, m);
    for (const [userId, m] of inStore) {
      if (room.changedSince(userId, since) || room.sessions.has(userId) || room.grace.has(userId)) continue;
      if (!room.remote.has(userId)) hub.learnRemote(room, m);
      else room.markRemote(userId, m.nodeId, memberOf(m));
    }
    for (const userId of [...room.remote.keys()]) {
      if (inStore.has(userId) || room.changedSince(userId, since)) continue;
      hub.forgetRemote(room, userId);
    }
    room.pruneChanges(since);
  }

  /** The store came back (possibly empty): re-assert at once, and put back chat and transforms. */
  async resync(): Promise<void> {
    const { store } = this.hub;
    await this.tick();
    try {
      for (const room of this.hub.rooms.values()) {
        if (room.recentChat.length > 0) await store.mergeChat(room.roomId, room.recentChat);
        const transforms = [...room.sessions.keys()].flatMap((userId) => {
          const transform = room.transformOf(userId);
          return transform ? [{ roomId: room.roomId, userId, transform }] : [];
        });
        if (transforms.length > 0) await store.saveTransforms(transforms);
      }
      this.hub.log.info({ rooms: this.hub.rooms.size }, 're-asserted this node’s state in the store');
    } catch (err) {
      this.hub.log.warn({ err }, 're-sync of chat and transforms failed; it runs again on the next reconnect');
    }
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Shutdown: end grace periods after `ms` (0 when no other node can take the members over), wait
   * for joins in flight, and resolve once every member this node held has resumed elsewhere or been
   * removed. Resolves `true` when the store agrees (the lease may be dropped), `false` when some
   * removal could not be made: then the lease must stay, to lapse, so that a survivor reaps them.
   */
  async drain(ms: number): Promise<boolean> {
    this.graceOverrideMs = ms;
    for (const room of this.hub.rooms.values()) {
      for (const [userId, entry] of room.grace) {
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => void this.endGrace(room, userId, entry.sessionId, 'disconnected'), ms);
      }
    }
    if (!this.settled()) {
      // Bounded: a store that hangs (rather than failing fast) must not keep the process alive.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.settledWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, ms + DRAIN_MARGIN_MS))),
      ]);
      clearTimeout(timer);
    }
    if (this.settled()) return true;
    // One last try for removals that failed.
    try {
      for (const room of [...this.hub.rooms.values()]) await this.reconcile(room);
    } catch {
      return false;
    }
    return this.settled();
  }

  /** Nothing in flight: no grace period, join or unfinished removal in any room. */
  private settled(): boolean {
    for (const room of this.hub.rooms.values()) if (room.grace.size > 0 || room.joining > 0 || room.pendingLeaves.size > 0) return false;
    return true;
  }

  notifyIfSettled(): void {
    if (this.settledWaiters.length === 0 || !this.settled()) return;
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }
}
