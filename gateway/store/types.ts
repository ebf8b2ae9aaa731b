/**
 * The store: everything gateway nodes share. Two implementations (memory, Redis) pass one contract
 * suite (test/helpers/store-contract.ts). Nodes that share a store see each other's members, chat history,
 * chat rate counters and blocklists, and exchange room events through its pub/sub.
 *
 * Nothing here sits on the per-transform path: the gateway coalesces transforms per room per flush
 * and calls `saveTransforms` / `publish` once per room per flush.
 */
import type { BroadcastTransform, ChatMessage, Device, LeaveReason, Member, Transform } from '../../protocol/index.js';

/** A member as the store keeps it: the wire Member plus who holds the session. */
export interface MemberRecord {
  userId: string;
  displayName: string;
  device: Device;
  joinedAt: number;
  /** The socket session that holds this membership; a later join by the same user replaces it. */
  sessionId: string;
  /** The gateway node the session is on; its lease decides whether the member is a ghost. */
  nodeId: string;
}

export type JoinOutcome =
  /** `previous` is the user's record in that room before this join (a resume or a replacement). */
  | { status: 'joined'; previous?: MemberRecord }
  | { status: 'full' };

/** `addMember`, and the room as the joiner must see it (read after the join, in the same step). */
export type JoinRoomOutcome = { status: 'joined'; previous?: MemberRecord; room: RoomSnapshot } | { status: 'full' };

/** What `sendChat` did with a message. */
export type ChatOutcome =
  | { status: 'accepted' }
  /** A resend: the history holds this (userId, clientMsgId) already; nothing was appended and no slot taken. */
  | { status: 'duplicate'; original: ChatMessage }
  | { status: 'rate_limited'; retryAfterMs: number };

/** What `reconcileRoom` did with one node's records of one room. */
export interface ReconcileOutcome {
  /** Held memberships the store did not have (or had for a dead node): written back. Others may have been told they left. */
  added: string[];
  /** Held memberships another live node's session holds now: the holder here must close (4005). */
  superseded: string[];
  /** This node's records of sessions it no longer holds: removed. Announce them as left. */
  removed: string[];
  /** Every member of the room afterwards (for the other half: this node's view of other nodes' members). */
  members: MemberRecord[];
}

export type ChatSlot = { ok: true } | { ok: false; retryAfterMs: number };

export interface RoomSnapshot {
  members: MemberRecord[];
  /** Latest transform per userId. */
  transforms: Record<string, Transform>;
  /** Recent chat, oldest first, at most `Limits.CHAT_HISTORY`. */
  chat: ChatMessage[];
}

/** A member removed because its node's lease ran out. */
export interface ReapedMember {
  roomId: string;
  userId: string;
  nodeId: string;
}

/** What travels between nodes on a room's channel. `origin` is the publishing node's id. */
export type RoomEvent =
  | { kind: 'member_joined'; origin: string; member: Member }
  | { kind: 'member_left'; origin: string; userId: string; reason: LeaveReason }
  | { kind: 'transforms'; origin: string; transforms: BroadcastTransform[] }
  | { kind: 'chat'; origin: string; message: ChatMessage }
  /** The user joined again elsewhere: the node holding `sessionId` closes it with 4005. */
  | { kind: 'session_replaced'; origin: string; userId: string; sessionId: string }
  /** An admin observer on `origin` watches the room: publish its transforms for the next `forMs` even without members elsewhere. */
  | { kind: 'observed'; origin: string; forMs: number };

/**
 * A node's stats record for the admin API. The store keeps it opaque: `stats` is a JSON object whose
 * shape gateway/admin-stats.ts owns. A record is listed until `expiresAt` (the writing node's clock).
 */
export interface NodeStatsRecord {
  nodeId: string;
  expiresAt: number;
  stats: Record<string, unknown>;
}

export interface StoreHandlers {
  /** A room event published by any node (including this one: filter on `origin`). */
  onRoomEvent(roomId: string, event: RoomEvent): void;
  /** `userId`'s blocklist changed (on any node). */
  onBlocksChanged(userId: string): void;
  /** The connection to a shared backend came back after a loss: re-assert this node's state. */
  onReconnected(): void;
  /** The backend became unusable (the gateway keeps serving local members). */
  onDisconnected(): void;
}

export interface Store {
  readonly kind: 'memory' | 'redis';
  /** Connect and subscribe to the blocklist channel. Resolves once usable; rejects with a clear Error if not. */
  start(handlers: StoreHandlers): Promise<void>;
  /** Disconnect; idempotent. Does not remove this node's members (the gateway does that first). */
  close(): Promise<void>;
  /** A command and a pub/sub round trip each succeed within `timeoutMs`. */
  checkReady(timeoutMs: number): Promise<boolean>;

  // ------------------------------------------------------------ membership
  /**
   * Add or replace `member` in `roomId`, atomically refusing with `full` when the room already holds
   * `maxSize` members and the user is not one of them. Records the room against `member.nodeId`
   * so that a dead node's members can be found.
   */
  addMember(roomId: string, member: MemberRecord, maxSize: number): Promise<JoinOutcome>;
  /**
   * `addMember` and `getRoom` in one step (the join's one round trip on Redis): the snapshot is
   * read after the member was written.
   */
  joinRoom(roomId: string, member: MemberRecord, maxSize: number): Promise<JoinRoomOutcome>;
  /**
   * Re-assert what this node holds in a room (compare-and-set; see `ReconcileOutcome`) and remove its
   * records of sessions it does not hold. Lease liveness is judged on the store's clock.
   */
  reconcileRoom(roomId: string, nodeId: string, held: MemberRecord[], leaseMs: number): Promise<ReconcileOutcome>;
  /** If `sessionId` still holds the user's membership, put `previous` back (or remove it). True if done. */
  restoreMember(roomId: string, userId: string, sessionId: string, previous: MemberRecord | undefined): Promise<boolean>;
  /** Remove the user's membership only if it is still held by `sessionId` (and drop its transform). True if removed. */
  removeMember(roomId: string, userId: string, sessionId: string): Promise<boolean>;
  /** Members, latest transforms and recent chat of a room. */
  getRoom(roomId: string): Promise<RoomSnapshot>;
  /** Rooms with at least one member, with their member counts. */
  listRooms(): Promise<Array<{ roomId: string; members: number }>>;

  // ------------------------------------------------------------ transforms
  /** Store the latest transform of each entry (one batch per flush; later entries win). */
  saveTransforms(entries: Array<{ roomId: string; userId: string; transform: Transform }>): Promise<void>;

  // ------------------------------------------------------------ chat
  /** Anti-spam across all nodes: at most `limit` messages per user per `windowMs` (sliding window). */
  takeChatSlot(userId: string, now: number, limit: number, windowMs: number): Promise<ChatSlot>;
  /**
   * Append to the room's history, keeping the newest `Limits.CHAT_HISTORY`. Idempotent per
   * (userId, clientMsgId): if the history holds such a message already, nothing is appended and that
   * message is returned (a resend after a reconnect).
   */
  appendChat(message: ChatMessage): Promise<ChatMessage | undefined>;
  /**
   * A chat message from start to end (the chat's one round trip on one Redis): a resend of a
   * (userId, clientMsgId) the history holds is `duplicate` and takes no slot; otherwise a slot is
   * taken (`takeChatSlot`) and, if one was free, the message appended (`appendChat`).
   */
  sendChat(message: ChatMessage, limit: number, windowMs: number): Promise<ChatOutcome>;
  /**
   * Merge messages a node kept while the backend was unreachable (or lost them in a restart) into the
   * room's history: union by id, sorted by id, newest `Limits.CHAT_HISTORY` kept.
   */
  mergeChat(roomId: string, messages: ChatMessage[]): Promise<void>;

  // ------------------------------------------------------------ blocklists
  getBlocked(userId: string): Promise<string[]>;
  /** Block or unblock; notifies every node through `onBlocksChanged`. */
  setBlocked(userId: string, blockedUserId: string, blocked: boolean): Promise<void>;

  // ------------------------------------------------------------ pub/sub
  /** Receive this room's events; a node subscribes only to rooms it has members in. */
  subscribeRoom(roomId: string): Promise<void>;
  unsubscribeRoom(roomId: string): Promise<void>;
  /** Send an event to every node subscribed to the room. Fire and forget: failures are logged by the store. */
  publish(roomId: string, event: RoomEvent): void;

  // ------------------------------------------------------------ node leases
  /**
   * Renew this node's lease, on the store's clock (Redis TIME). False when the lease was not there:
   * a new node, an emptied store, or a node that was reaped while it could not renew (fenced).
   */
  heartbeat(nodeId: string): Promise<boolean>;
  /**
   * Remove the members of every node whose lease is older than `leaseMs` on the store's clock (except `selfNodeId`) and
   * forget those nodes. Each removed member is returned to exactly one caller, even when several
   * nodes reap at once, so `member_left` is announced once.
   */
  reapDeadNodes(selfNodeId: string, leaseMs: number): Promise<ReapedMember[]>;
  /** Forget this node's lease (clean shutdown, after its members were removed). */
  dropNode(nodeId: string): Promise<void>;

  // ------------------------------------------------------------ node stats (admin API)
  /** Write this node's stats record, replacing its previous one. */
  putNodeStats(record: NodeStatsRecord): Promise<void>;
  /** Every node's record that has not expired at `now`, ordered by nodeId; expired ones are forgotten. */
  listNodeStats(now: number): Promise<NodeStatsRecord[]>;
}
