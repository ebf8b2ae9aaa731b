/**
 * One room as this node sees it: its local sessions, the transforms waiting for the next flush,
 * the latest transform of every member (local and remote) and a tail of recent chat.
 *
 * Fan-out is where the gateway spends its time, so the rules are:
 * - transforms are coalesced per flush and serialised once per room; what a sender emits is shaped
 *   to its device's limit (`EmitShaper`): at or under the limit nothing is lost (a flush may carry
 *   up to three of one sender's), above it the newest wins and the rest are superseded;
 * - a recipient gets the shared frame unless it is itself a sender (never echo) or has blocks;
 * - blocklist filtering costs nothing for recipients without blocks (`session.blocked` undefined);
 * - recipients whose socket buffer is backed up skip transform frames (they are superseded by the
 *   next flush anyway); chat and membership events are never skipped.
 */
import { Limits, type BroadcastTransform, type ChatMessage, type LeaveReason, type Member } from '../protocol/index.js';
import type { EmitShaper } from './rate-limit.js';
import type { MemberRecord } from './store/types.js';

const TRANSFORMS_PREFIX = '{"type":"avatar_transform_broadcast","transforms":[';
const TRANSFORMS_SUFFIX = ']}';

/** At most this many of one sender's transforms wait for a flush (and leave in one); older ones are superseded. */
const MAX_QUEUED_PER_SENDER = 3;

/** Skip transform frames for a socket with more than this many bytes queued. */
export const SLOW_CONSUMER_BYTES = 256 * 1024;

export interface FanoutCounters {
  framesOut(type: string, n: number): void;
  dropped(reason: string, n: number): void;
}

/** What fan-out needs of a joined session (session.ts implements it; this module never imports it). */
export interface RoomSession {
  readonly id: string;
  readonly userId: string;
  readonly bufferedAmount: number;
  readonly blocked: Set<string> | undefined;
  readonly member: MemberRecord | undefined;
  /** `type`: the frame's message type (a joining session keeps only chat until its room_state). */
  sendFrame(frame: string | Buffer, type?: string): void;
}

/** What the flush needs of a local sender: its emit budget, and to be told of transforms it superseded. */
export interface TransformSender {
  readonly shaper: EmitShaper;
  superseded(count: number, now: number): void;
}

interface PendingTransforms {
  sender: TransformSender;
  /** Oldest first; at most MAX_QUEUED_PER_SENDER. */
  queue: BroadcastTransform[];
}

export class LocalRoom<S extends RoomSession = RoomSession> {
  /** Joined sessions on this node, by userId (a user is in a room once). */
  readonly sessions = new Map<string, S>();
  /** Transforms from local senders not yet emitted, by userId (a sender over its budget waits here). */
  private readonly pending = new Map<string, PendingTransforms>();
  /** The newest transform of every member this node has heard of. */
  readonly latest = new Map<string, BroadcastTransform>();
  /** Recent chat (for re-seeding the store after it lost its data). */
  readonly recentChat: ChatMessage[] = [];
  /** Members whose socket went away, kept for the grace period (presence.ts). */
  readonly grace = new Map<string, { sessionId: string; timer: NodeJS.Timeout; member: MemberRecord | undefined }>();
  /**
   * Members of this room on other nodes, as far as this node has heard (room_state at join, and
   * every event another node publishes). Transforms are published to other nodes only while there
   * is one: a room that lives on one node costs Redis no PUBLISH at all.
   */
  readonly remote = new Map<string, string>();
  /** What this node knows of each remote member (for the room_state it builds from its own view). */
  readonly remoteInfo = new Map<string, Member>();
  /**
   * Members who resumed here from another node, by that node: chat it published for them before
   * the move (already in the store's history) is still theirs, and reaches this node's members.
   */
  readonly movedFrom = new Map<string, string>();
  /** Joins in progress (the room is not released while one is). */
  joining = 0;
  /** Records being written by joins in flight: held, so a reconciliation does not remove them. */
  readonly joiningRecords = new Map<string, MemberRecord>();
  /** Memberships that ended while the store could not be told: the next reconciliation removes them. */
  readonly pendingLeaves = new Map<string, { sessionId: string; reason: LeaveReason }>();
  /** Membership changes seen here, numbered: a reconciliation leaves alone users that changed while it ran. */
  version = 0;
  private readonly changedAt = new Map<string, number>();
  private lock: Promise<void> = Promise.resolve();
  /** Which tick of the flush interval flushes this room (the hub spreads rooms over the interval). */
  phase = 0;
  /** The store subscription to this room's events, once requested. */
  subscription: Promise<void> | undefined;

  constructor(readonly roomId: string) {}

  /** Run `work` after every membership change of this room queued before it (presence.ts). */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** `userId`'s membership changed as this node sees it. */
  touch(userId: string): void {
    this.changedAt.set(userId, ++this.version);
  }

  changedSince(userId: string, version: number): boolean {
    return (this.changedAt.get(userId) ?? -1) > version;
  }

  /** Forget change marks a finished reconciliation has seen past. */
  pruneChanges(version: number): void {
    for (const [userId, at] of this.changedAt) if (at <= version) this.changedAt.delete(userId);
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Queue a local member's transform for the next flush its budget allows. */
  queueTransform(t: BroadcastTransform, sender: TransformSender, now: number): void {
    this.latest.set(t.userId, t);
    const waiting = this.pending.get(t.userId);
    if (!waiting) return void this.pending.set(t.userId, { sender, queue: [t] });
    waiting.sender = sender;
    if (waiting.queue.length >= MAX_QUEUED_PER_SENDER) {
      waiting.queue.shift();
      sender.superseded(1, now);
    }
    waiting.queue.push(t);
  }

  /**
   * Send each sender's transforms its budget allows at `now` to local members, and return them
   * (for the store and other nodes). A sender over its budget keeps only its newest for a later
   * flush. Every fragment is serialised once; recipients that sent nothing and block nobody share
   * one buffer.
   */
  flush(counters: FanoutCounters, now: number): BroadcastTransform[] {
    const emitted: BroadcastTransform[] = [];
    const senders: string[] = [];
    const fragments: string[] = [];
    for (const [userId, { sender, queue }] of this.pending) {
      const n = sender.shaper.take(now, queue.length);
      const kept = n === 0 ? 1 : 0; // nothing may leave yet: the newest waits for the next flush
      if (queue.length - n - kept > 0) sender.superseded(queue.length - n - kept, now);
      if (n === 0) {
        if (queue.length > 1) queue.splice(0, queue.length - 1);
        continue;
      }
      this.pending.delete(userId);
      const out = n === queue.length ? queue : queue.slice(queue.length - n);
      senders.push(userId);
      fragments.push(out.length === 1 ? JSON.stringify(out[0]) : out.map((t) => JSON.stringify(t)).join(','));
      for (const t of out) emitted.push(t);
    }
    this.deliverTransforms(senders, fragments, counters);
    return emitted;
  }

  /**
   * Transforms that arrived from `origin` (already coalesced there). Only members this node knows
   * to be on `origin` count: a stalled node's users that were announced as left, or a session that
   * was replaced on another node, must not move anyone's avatar.
   */
  receiveRemoteTransforms(origin: string, all: BroadcastTransform[], counters: FanoutCounters): void {
    // Copy only when something must be dropped (rare): the common event is delivered as it came.
    const entries = all.every((t) => this.remote.get(t.userId) === origin) ? all : all.filter((t) => this.remote.get(t.userId) === origin);
    if (entries.length < all.length) counters.dropped('not_a_member', all.length - entries.length);
    // One fragment per sender (a flush may carry up to three of one sender's, in order).
    const bySender = new Map<string, string>();
    for (const t of entries) {
      this.latest.set(t.userId, t);
      const json = JSON.stringify(t);
      const before = bySender.get(t.userId);
      bySender.set(t.userId, before === undefined ? json : `${before},${json}`);
    }
    this.deliverTransforms([...bySender.keys()], [...bySender.values()], counters);
  }

  /** `fragments[i]`: the serialised transforms of `senders[i]` (one to three, comma separated). */
  private deliverTransforms(senders: string[], fragments: string[], counters: FanoutCounters): void {
    if (senders.length === 0) return;
    // The whole frame is encoded once. A recipient that is itself one of the senders (in a busy room,
    // nearly every recipient) gets the same bytes with its own fragment cut out: one copy, no
    // re-serialising or re-encoding per recipient.
    const frame = new SharedFrame(fragments);
    const senderIndex = new Map<string, number>();
    for (let i = 0; i < senders.length; i++) senderIndex.set(senders[i]!, i);
    let sent = 0;
    let slow = 0;
    for (const session of this.sessions.values()) {
      if (session.bufferedAmount > SLOW_CONSUMER_BYTES) {
        slow++;
        continue;
      }
      const blocked = session.blocked;
      if (blocked !== undefined && senders.some((u) => blocked.has(u))) {
        // Rare: this recipient blocks one of the senders. Build its frame from the fragments.
        const own: string[] = [];
        for (let i = 0; i < senders.length; i++) {
          const from = senders[i]!;
          if (from !== session.userId && !blocked.has(from)) own.push(fragments[i]!);
        }
        if (own.length === 0) continue;
        session.sendFrame(TRANSFORMS_PREFIX + own.join(',') + TRANSFORMS_SUFFIX, 'avatar_transform_broadcast');
        sent++;
        continue;
      }
      const own = senderIndex.get(session.userId);
      if (own !== undefined && senders.length === 1) continue; // its own transforms were the only ones
      session.sendFrame(own === undefined ? frame.all() : frame.without(own), 'avatar_transform_broadcast');
      sent++;
    }
    if (sent) counters.framesOut('avatar_transform_broadcast', sent);
    if (slow) counters.dropped('slow_consumer', slow);
  }


  /**
   * Deliver one event to every local member except `exclude`, skipping members who block
   * `originUserId`. `frame` is serialised by the caller, once.
   */
  broadcast(type: string, frame: string, originUserId: string, counters: FanoutCounters, exclude?: string): void {
    let shared: Buffer | undefined;
    let sent = 0;
    for (const session of this.sessions.values()) {
      if (session.userId === exclude || session.blocked?.has(originUserId)) continue;
      shared ??= Buffer.from(frame);
      session.sendFrame(shared, type);
      sent++;
    }
    if (sent) counters.framesOut(type, sent);
  }

  /** The member left: drop its pending and latest transforms. */
  forget(userId: string): void {
    this.pending.delete(userId);
    this.latest.delete(userId);
    this.remote.delete(userId);
    this.remoteInfo.delete(userId);
    this.movedFrom.delete(userId);
    this.touch(userId);
  }

  /** A member of this room as this node knows it: here, in its grace period, joining, or on another node. */
  isMember(userId: string): boolean {
    return this.sessions.has(userId) || this.grace.has(userId) || this.remote.has(userId) || this.joiningRecords.has(userId);
  }

  /**
   * Another node holds `userId`'s membership (heard from that node, or from the store). True when
   * this made a local-only room shared: transforms flushed meanwhile were not published, so the
   * caller republishes the local members' latest ones.
   */
  markRemote(userId: string, nodeId: string, info?: Member): boolean {
    if (this.sessions.has(userId)) return false;
    if (info) this.remoteInfo.set(userId, info);
    this.movedFrom.delete(userId);
    const wasLocalOnly = this.remote.size === 0;
    if (this.remote.get(userId) !== nodeId) this.touch(userId);
    this.remote.set(userId, nodeId);
    return wasLocalOnly;
  }

  /** The latest transform of every member on this node (to catch another node up). */
  localLatest(): BroadcastTransform[] {
    const out: BroadcastTransform[] = [];
    for (const userId of this.sessions.keys()) {
      const t = this.latest.get(userId);
      if (t) out.push(t);
    }
    return out;
  }

  /** A recent message of `userId` with this clientMsgId (a resend), if this node saw it. */
  findChat(userId: string, clientMsgId: string): ChatMessage | undefined {
    return this.recentChat.find((m) => m.userId === userId && m.clientMsgId === clientMsgId);
  }

  rememberChat(message: ChatMessage): void {
    this.recentChat.push(message);
    if (this.recentChat.length > Limits.CHAT_HISTORY) this.recentChat.shift();
  }

  /** The member's latest transform as a Member field, if any. */
  transformOf(userId: string): Member['transform'] {
    const t = this.latest.get(userId);
    if (!t) return undefined;
    const { userId: _omit, ...transform } = t;
    return transform;
  }
}

/**
 * `{"type":"avatar_transform_broadcast","transforms":[f0,f1,…]}` as bytes, with the byte offsets of
 * each fragment, so a copy without fragment i is two slices of the same buffer.
 */
class SharedFrame {
  private readonly bytes: Buffer;
  /** Byte offset where fragment i starts, and where it ends. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(fragments: string[]) {
    this.bytes = Buffer.from(TRANSFORMS_PREFIX + fragments.join(',') + TRANSFORMS_SUFFIX);
    let at = Buffer.byteLength(TRANSFORMS_PREFIX);
    for (const f of fragments) {
      this.starts.push(at);
      at += Buffer.byteLength(f);
      this.ends.push(at);
      at += 1; // the comma
    }
  }

  all(): Buffer {
    return this.bytes;
  }

  /** The frame without fragment `i` (and one comma next to it); at least one fragment must remain. */
  without(i: number): Buffer {
    // The first fragment goes with the comma after it; any other with the comma before it.
    const cutFrom = i === 0 ? this.starts[0]! : this.ends[i - 1]!;
    const cutTo = i === 0 ? this.starts[1]! : this.ends[i]!;
    return Buffer.concat([this.bytes.subarray(0, cutFrom), this.bytes.subarray(cutTo)], this.bytes.length - (cutTo - cutFrom));
  }
}
