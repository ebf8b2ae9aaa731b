/**
 * Presence over time: grace periods for sockets that went away, silent resumes and replacements,
 * this node's lease (heartbeat) and the reaping of dead nodes' members, and re-asserting this
 * node's state after the store lost it (a Redis restart).
 */
import { CloseCode, type LeaveReason } from '../protocol/index.js';
import type { Hub } from './hub.js';
import type { LocalRoom } from './room.js';
import type { MemberRecord } from './store/types.js';

/** How long past the drain time shutdown waits for the store before it stops anyway. */
const DRAIN_MARGIN_MS = 3000;

export class Presence {
  private leaseTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Set during shutdown: grace periods end after this many ms instead of config.graceMs. */
  private graceOverrideMs: number | undefined;
  private settledWaiters: Array<() => void> = [];

  constructor(private readonly hub: Hub) {}

  start(): void {
    void this.tick();
    this.leaseTimer = setInterval(() => void this.tick(), this.hub.config.heartbeatMs);
  }

  stop(): void {
    clearInterval(this.leaseTimer);
  }

  async subscribe(room: LocalRoom): Promise<void> {
    room.subscription ??= this.hub.store.subscribeRoom(room.roomId);
    try {
      await room.subscription;
    } catch (err) {
      room.subscription = undefined; // let the next join try again
      throw err;
    }
  }

  unsubscribe(room: LocalRoom): void {
    if (!room.subscription) return;
    room.subscription = undefined;
    this.hub.store.unsubscribeRoom(room.roomId).catch((err: unknown) => this.hub.log.warn({ err }, 'unsubscribe failed'));
  }

  /**
   * `userId` joined again (its previous membership is `previous`): end the old session wherever it
   * is, without telling the other members anything.
   */
  takeOver(room: LocalRoom, userId: string, previous: MemberRecord | undefined): void {
    const existing = room.sessions.get(userId);
    if (existing) this.replace(existing);
    this.cancelGrace(room, userId);
    if (previous && previous.nodeId !== this.hub.nodeId) {
      this.hub.store.publish(room.roomId, { kind: 'session_replaced', origin: this.hub.nodeId, userId, sessionId: previous.sessionId });
    }
  }

  /** Another node took over `sessionId`'s membership. */
  replacedElsewhere(room: LocalRoom, userId: string, sessionId: string): void {
    const live = room.sessions.get(userId);
    if (live?.id === sessionId) this.replace(live);
    if (room.grace.get(userId)?.sessionId === sessionId) this.cancelGrace(room, userId);
    this.hub.releaseIfIdle(room);
  }

  private replace(session: NonNullable<ReturnType<LocalRoom['sessions']['get']>>): void {
    session.goneReason = 'replaced';
    this.hub.detachSession(session);
    session.close(CloseCode.SESSION_REPLACED, 'session replaced');
  }

  startGrace(room: LocalRoom, userId: string, sessionId: string, reason: LeaveReason, member?: MemberRecord): void {
    this.cancelGrace(room, userId);
    const ms = this.graceOverrideMs ?? this.hub.config.graceMs;
    const timer = setTimeout(() => void this.endGrace(room, userId, sessionId, reason), ms);
    room.grace.set(userId, { sessionId, timer, member });
  }

  hasGrace(room: LocalRoom): boolean {
    return room.grace.size > 0;
  }

  private cancelGrace(room: LocalRoom, userId: string): void {
    const entry = room.grace.get(userId);
    if (!entry) return;
    clearTimeout(entry.timer);
    room.grace.delete(userId);
    this.notifyIfSettled();
  }

  private async endGrace(room: LocalRoom, userId: string, sessionId: string, reason: LeaveReason): Promise<void> {
    const entry = room.grace.get(userId);
    if (entry?.sessionId !== sessionId) return;
    try {
      // Compare-and-delete: if the user resumed anywhere, its membership has another session id.
      if (await this.hub.store.removeMember(room.roomId, userId, sessionId)) this.hub.memberGone(room.roomId, userId, reason);
      if (room.grace.get(userId) === entry) room.grace.delete(userId);
    } catch (err) {
      if (this.graceOverrideMs !== undefined) {
        // Shutting down with the store unreachable: give up on it. This node's lease lapses, so a
        // surviving node reaps the member; waiting here would keep the process from exiting.
        if (room.grace.get(userId) === entry) room.grace.delete(userId);
        this.hub.log.warn({ err, room: room.roomId, user: userId }, 'store unreachable at shutdown: leaving the member to be reaped');
        this.hub.releaseIfIdle(room);
        return this.notifyIfSettled();
      }
      // The store is unreachable: keep the member and try again with the next heartbeat.
      this.hub.log.warn({ err, room: room.roomId, user: userId }, 'could not end a grace period; retrying');
      if (room.grace.get(userId) === entry) {
        entry.timer = setTimeout(() => void this.endGrace(room, userId, sessionId, reason), this.hub.config.heartbeatMs);
        return;
      }
    }
    this.hub.releaseIfIdle(room);
    this.notifyIfSettled();
  }

  /** Renew this node's lease and remove the members of nodes whose lease ran out. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    const { store, config, nodeId } = this.hub;
    try {
      const now = Date.now();
      await store.heartbeat(nodeId, now);
      for (const reaped of await store.reapDeadNodes(nodeId, now, config.leaseMs)) {
        this.hub.log.info(reaped, 'removed a member of a dead node');
        this.hub.memberGone(reaped.roomId, reaped.userId, 'disconnected');
      }
    } catch (err) {
      this.hub.log.debug({ err }, 'lease renewal failed');
    } finally {
      this.ticking = false;
    }
  }

  /** The store came back (possibly empty): write this node's members, chat and transforms again. */
  async resync(): Promise<void> {
    const { store, config } = this.hub;
    try {
      await store.heartbeat(this.hub.nodeId, Date.now());
      for (const room of this.hub.rooms.values()) {
        for (const session of room.sessions.values()) {
          if (session.member) await store.addMember(room.roomId, session.member, config.maxRoomSize);
        }
        for (const entry of room.grace.values()) {
          if (entry.member) await store.addMember(room.roomId, entry.member, config.maxRoomSize);
        }
        if (room.recentChat.length > 0) await store.mergeChat(room.roomId, room.recentChat);
        const transforms = [...room.sessions.keys()].flatMap((userId) => {
          const transform = room.transformOf(userId);
          return transform ? [{ roomId: room.roomId, userId, transform }] : [];
        });
        if (transforms.length > 0) await store.saveTransforms(transforms);
      }
      this.hub.log.info({ rooms: this.hub.rooms.size }, 're-asserted this node’s state in the store');
    } catch (err) {
      this.hub.log.warn({ err }, 're-sync failed; it runs again on the next reconnect');
    }
  }

  /**
   * Shutdown: end grace periods after `ms` (0 when no other node can take the members over) and
   * resolve once every member this node held has resumed elsewhere or been announced as left.
   */
  async drain(ms: number): Promise<void> {
    this.graceOverrideMs = ms;
    for (const room of this.hub.rooms.values()) {
      for (const [userId, entry] of room.grace) {
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => void this.endGrace(room, userId, entry.sessionId, 'disconnected'), ms);
      }
    }
    if (this.settled()) return;
    // Bounded: a store that hangs (rather than failing fast) must not keep the process alive.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.settledWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms + DRAIN_MARGIN_MS))),
    ]);
    clearTimeout(timer);
  }

  private settled(): boolean {
    for (const room of this.hub.rooms.values()) if (room.grace.size > 0) return false;
    return true;
  }

  private notifyIfSettled(): void {
    if (this.settledWaiters.length === 0 || !this.settled()) return;
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }
}
