/**
 * The Redis store: what several gateway nodes share, on one Redis server or on a Redis Cluster.
 * The key layout is in redis-keys.ts, the scripts in redis-scripts.ts, the connections in
 * redis-single.ts / redis-cluster.ts; this file says what each store call does with them, once for
 * both.
 *
 * Slots. Every script touches the keys of one hash slot only: a room's keys, a user's, or one
 * global key. Where a call must also update an index in another slot (the rooms index, a node's
 * room set), the index is written *before* the membership and forgotten *after* it, each in a call
 * of its own; an entry that a concurrent removal took away is written again by the join that needs
 * it, and every reconciliation re-asserts the entries of the reconciling node. A crash between two
 * calls leaves a stale index entry (which costs one empty look later), not a member that no reaper
 * can find. Index writes never fail the call they serve (a room's shard may be up while an index's
 * is failing over): what they miss, the writer's next reconciliation re-asserts.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, NatMap, Redis } from 'ioredis';
import { Limits, type ChatMessage, type Transform } from '../../protocol/index.js';
import { exec, stderrLogger, type RedisBackend, type StoreLogger } from './redis-backend.js';
import { ClusterBackend } from './redis-cluster.js';
import { redisKeys, type RedisKeys } from './redis-keys.js';
import { defineScripts } from './redis-scripts.js';
import { SingleBackend } from './redis-single.js';
import type {
  ChatOutcome,
  ChatSlot,
  JoinOutcome,
  JoinRoomOutcome,
  MemberRecord,
  NodeStatsRecord,
  ReapedMember,
  ReconcileOutcome,
  RoomEvent,
  RoomSnapshot,
  Store,
  StoreHandlers,
} from './types.js';

export type { StoreLogger } from './redis-backend.js';
export { keySlot, redisKeys } from './redis-keys.js';

export interface RedisStoreOptions {
  /** One Redis: a `redis://` or `rediss://` URL, credentials and db number included. */
  url?: string;
  /** Or a Redis Cluster: seed nodes as `host:port` (the client discovers the others). */
  clusterNodes?: string[];
  /** Cluster only: announced address -> address this process reaches it at (NAT, containers). */
  natMap?: NatMap;
  /** Cluster only: the nodes' password. */
  clusterPassword?: string;
  /** Prefix of every key and channel, e.g. `rtgw:`. */
  keyPrefix: string;
  /** Defaults to JSON lines on stderr. */
  logger?: StoreLogger;
  /** How long `start()` waits for the connections. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** A command unanswered this long rejects, so a silent network cannot hang a caller (below the SDK's liveness budget). Default 2000 ms. */
  commandTimeoutMs?: number;
}

const CHAT_TTL_MS = 24 * 60 * 60 * 1000;
/** The node stats hash goes once no node has written to it for this long (its records expire sooner). */
const NODE_STATS_KEY_TTL_MS = 60_000;
/** Repeated warnings of one kind (failed publishes during an outage) are logged at most this often. */
const WARN_INTERVAL_MS = 5_000;
/** Reconciliations of several rooms in a row share one read of the live leases, at most this old. */
const LIVE_NODES_MAX_AGE_MS = 200;

/** `host:port` (IPv6 in brackets) to ioredis' node form; throws a TypeError naming the bad entry. */
export function parseClusterNodes(nodes: string[]): Array<{ host: string; port: number }> {
  if (nodes.length === 0) throw new TypeError('RedisStore: clusterNodes needs at least one host:port');
  return nodes.map((entry) => {
    const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(entry.trim());
    const port = Number(m?.[3]);
    if (!m || port < 1 || port > 65_535) throw new TypeError(`RedisStore: clusterNodes entries are host:port (got ${JSON.stringify(entry)})`);
    return { host: (m[1] ?? m[2])!, port };
  });
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  /** One server or a cluster. */
  readonly topology: 'single' | 'cluster';
  /** Where it connects, password hidden. */
  readonly where: string;
  private readonly keys: RedisKeys;
  private readonly logger: StoreLogger;
  private readonly backend: RedisBackend;
  private readonly id = randomUUID();
  private phase: 'new' | 'starting' | 'running' | 'closed' = 'new';
  private handlers: StoreHandlers | undefined;
  private closing: Promise<void> | undefined;
  /** Room channels this node wants, channel -> roomId. */
  private readonly roomChannels = new Map<string, string>();
  private readonly warned = new Map<string, { at: number; suppressed: number }>();
  private live: { leaseMs: number; at: number; nodes: Promise<string[]> } | undefined;
  private seq = 0;

  constructor(options: RedisStoreOptions) {
    const { url, clusterNodes, keyPrefix } = options;
    if ((url === undefined) === (clusterNodes === undefined)) throw new TypeError('RedisStore: give either url or clusterNodes');
    if (url !== undefined) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new TypeError(`RedisStore: url is not a valid URL: ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))}`);
      }
      if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
        throw new TypeError('RedisStore: url must start with redis:// or rediss://');
      }
    }
    const nodes = clusterNodes === undefined ? undefined : parseClusterNodes(clusterNodes);
    if (/[{}]/.test(keyPrefix)) {
      throw new TypeError('RedisStore: keyPrefix must not contain "{" or "}" (it would change the hash slot of every key)');
    }
    this.keys = redisKeys(keyPrefix);
    this.logger = options.logger ?? stderrLogger;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    const commandTimeoutMs = options.commandTimeoutMs ?? 2_000;
    this.backend = nodes
      ? new ClusterBackend({ nodes, keys: this.keys, storeId: this.id, logger: this.logger, connectTimeoutMs, commandTimeoutMs, natMap: options.natMap, password: options.clusterPassword })
      : new SingleBackend({ url: url!, readyChannel: this.keys.ready(this.id), logger: this.logger, connectTimeoutMs, commandTimeoutMs });
    this.topology = this.backend.topology;
    this.where = this.backend.where;
    defineScripts(this.backend.cmd);
  }

  // ------------------------------------------------------------ lifecycle

  async start(handlers: StoreHandlers): Promise<void> {
    if (this.phase !== 'new') throw new Error('RedisStore.start() may be called once');
    this.phase = 'starting';
    this.handlers = handlers;
    try {
      await this.backend.start(
        {
          message: (channel, message) => this.deliver(channel, message),
          lost: () => this.notify('onDisconnected', (h) => h.onDisconnected()),
          restored: () => this.notify('onReconnected', (h) => h.onReconnected()),
        },
        [this.keys.blocksChannel],
      );
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.phase !== 'starting') throw new Error('RedisStore was closed while starting');
    this.phase = 'running';
  }

  close(): Promise<void> {
    this.phase = 'closed';
    this.closing ??= this.backend.close();
    return this.closing;
  }

  async checkReady(timeoutMs: number): Promise<boolean> {
    return this.phase === 'running' && this.backend.checkReady(timeoutMs);
  }

  // ------------------------------------------------------------ membership

  async addMember(roomId: string, member: MemberRecord, maxSize: number): Promise<JoinOutcome> {
    const { keys } = this;
    const cmd = this.commands();
    // Index entries first (see the header): if this process dies after them, they are merely stale.
    // Not a condition of the join: on a cluster they may live on a shard that is failing over while
    // the room's is fine, and the next reconciliation writes them again.
    await this.afterwards(cmd.sadd(keys.rooms, roomId), cmd.sadd(keys.nodeRooms(member.nodeId), roomId));
    const reply = await cmd.rtgwAddMember(keys.members(roomId), keys.byNode(roomId), member.userId, JSON.stringify(member), maxSize, member.nodeId);
    if (reply[0] === 'full') {
      if (reply[1] === 0) await this.afterwards(this.forgetNodeRoom(member.nodeId, roomId));
      return { status: 'full' };
    }
    const [, mine, roomWasEmpty, previous, previousNode, previousNodeLeft] = reply;
    // The first member here (of the node, of the room): a removal that emptied it meanwhile may
    // have taken the entry out again after our first write.
    await this.afterwards(
      mine === 1 ? cmd.sadd(keys.nodeRooms(member.nodeId), roomId) : undefined,
      roomWasEmpty === 1 ? cmd.sadd(keys.rooms, roomId) : undefined,
      previousNode !== undefined && previousNode !== member.nodeId && previousNodeLeft === 0 ? this.forgetNodeRoom(previousNode, roomId) : undefined,
    );
    return previous === undefined ? { status: 'joined' } : { status: 'joined', previous: JSON.parse(previous) as MemberRecord };
  }

  async joinRoom(roomId: string, member: MemberRecord, maxSize: number): Promise<JoinRoomOutcome> {
    const { keys } = this;
    const cmd = this.commands();
    // As addMember, in one round trip: the index entries are sent first on the same connection
    // (one Redis runs them first; on a cluster they go to their own shards meanwhile), the script
    // adds the member and reads the room, and the index writes its answer calls for are not waited for.
    const indexed = this.afterwards(cmd.sadd(keys.rooms, roomId), cmd.sadd(keys.nodeRooms(member.nodeId), roomId));
    const reply = await cmd.rtgwJoinRoom(
      keys.members(roomId), keys.byNode(roomId), keys.transforms(roomId), keys.chat(roomId),
      member.userId, JSON.stringify(member), maxSize, member.nodeId, Limits.CHAT_HISTORY,
    );
    await indexed;
    if (reply[0] === 'full') {
      if (reply[1] === 0) void this.afterwards(this.forgetNodeRoom(member.nodeId, roomId));
      return { status: 'full' };
    }
    const [, mine, roomWasEmpty, previous, previousNode, previousNodeLeft, members, transforms, chat] = reply;
    void this.afterwards(
      mine === 1 ? cmd.sadd(keys.nodeRooms(member.nodeId), roomId) : undefined,
      roomWasEmpty === 1 ? cmd.sadd(keys.rooms, roomId) : undefined,
      previousNode !== '' && previousNode !== member.nodeId && previousNodeLeft === 0 ? this.forgetNodeRoom(previousNode, roomId) : undefined,
    );
    const room = snapshotOf(members.filter((_, i) => i % 2 === 1), transforms, chat);
    return previous === '' ? { status: 'joined', room } : { status: 'joined', previous: JSON.parse(previous) as MemberRecord, room };
  }

  async reconcileRoom(roomId: string, nodeId: string, held: MemberRecord[], leaseMs: number): Promise<ReconcileOutcome> {
    const { keys } = this;
    const cmd = this.commands();
    const live = await this.liveNodes(leaseMs);
    const [added, superseded, removed, all, mine] = await cmd.rtgwReconcileRoom(
      keys.members(roomId), keys.transforms(roomId), keys.byNode(roomId),
      nodeId, live.length, ...live, ...held.map((m) => JSON.stringify(m)),
    );
    // Re-assert the index entries this node's members need (whatever was lost), or forget them.
    await this.afterwards(
      ...(mine > 0 ? [cmd.sadd(keys.rooms, roomId), cmd.sadd(keys.nodeRooms(nodeId), roomId)] : [this.forgetNodeRoom(nodeId, roomId)]),
      all.length === 0 ? this.forgetRoom(roomId) : undefined,
    );
    return { added, superseded, removed, members: all.map((raw) => JSON.parse(raw) as MemberRecord) };
  }

  async restoreMember(roomId: string, userId: string, sessionId: string, previous: MemberRecord | undefined): Promise<boolean> {
    const { keys } = this;
    const cmd = this.commands();
    if (previous) await this.afterwards(cmd.sadd(keys.rooms, roomId), cmd.sadd(keys.nodeRooms(previous.nodeId), roomId));
    const reply = await cmd.rtgwRestoreMember(keys.members(roomId), keys.transforms(roomId), keys.byNode(roomId), userId, sessionId, previous ? JSON.stringify(previous) : '');
    if (reply[0] === 0) return false;
    const [, nodeId, nodeLeft, roomLeft] = reply;
    await this.afterwards(
      previous ? cmd.sadd(keys.nodeRooms(previous.nodeId), roomId) : undefined,
      nodeLeft === 0 && nodeId !== previous?.nodeId ? this.forgetNodeRoom(nodeId, roomId) : undefined,
      roomLeft === 0 ? this.forgetRoom(roomId) : undefined,
    );
    return true;
  }

  async removeMember(roomId: string, userId: string, sessionId: string): Promise<boolean> {
    const { keys } = this;
    const reply = await this.commands().rtgwRemoveMember(keys.members(roomId), keys.transforms(roomId), keys.byNode(roomId), userId, sessionId);
    if (reply[0] === 0) return false;
    const [, nodeId, nodeLeft, roomLeft] = reply;
    await this.afterwards(nodeLeft === 0 ? this.forgetNodeRoom(nodeId, roomId) : undefined, roomLeft === 0 ? this.forgetRoom(roomId) : undefined);
    return true;
  }

  async getRoom(roomId: string): Promise<RoomSnapshot> {
    const [members, transforms, chat] = await exec(
      this.commands()
        .multi()
        .hgetall(this.keys.members(roomId))
        .hgetall(this.keys.transforms(roomId))
        .lrange(this.keys.chat(roomId), -Limits.CHAT_HISTORY, -1),
    );
    return snapshotOf(Object.values(members as Record<string, string>), transforms as Record<string, string>, chat as string[]);
  }

  async listRooms(): Promise<Array<{ roomId: string; members: number }>> {
    const cmd = this.commands();
    const roomIds = (await cmd.smembers(this.keys.rooms)).sort();
    if (roomIds.length === 0) return [];
    const counts = (await this.eachSlot(roomIds.map((roomId) => [this.keys.members(roomId)]), (c, [key]) => c.hlen(key!))) as number[];
    return roomIds.map((roomId, i) => ({ roomId, members: counts[i]! })).filter((room) => room.members > 0);
  }

  // ------------------------------------------------------------ transforms

  async saveTransforms(entries: Array<{ roomId: string; userId: string; transform: Transform }>): Promise<void> {
    if (entries.length === 0) return;
    const byRoom = new Map<string, Map<string, Transform>>();
    for (const { roomId, userId, transform } of entries) {
      let room = byRoom.get(roomId);
      if (!room) byRoom.set(roomId, (room = new Map()));
      room.set(userId, transform); // later entries win
    }
    // One script call per room (it skips users who left), all in one round trip per shard.
    const calls = [...byRoom].map(([roomId, latest]) => {
      const args: string[] = [this.keys.members(roomId), this.keys.transforms(roomId)];
      for (const [userId, transform] of latest) args.push(userId, JSON.stringify(transform));
      return args;
    });
    await this.eachSlot(calls, (c, [members, transforms, ...rest]) => c.rtgwSaveTransforms(members!, transforms!, ...rest));
  }

  // ------------------------------------------------------------ chat

  async takeChatSlot(userId: string, now: number, limit: number, windowMs: number): Promise<ChatSlot> {
    const retryAfterMs = await this.commands().rtgwTakeChatSlot(this.keys.chatRate(userId), now, limit, windowMs, this.chatSlotEntry(now));
    return retryAfterMs === 0 ? { ok: true } : { ok: false, retryAfterMs };
  }

  async appendChat(message: ChatMessage): Promise<ChatMessage | undefined> {
    const original = await this.commands().rtgwAppendChat(
      this.keys.chat(message.roomId), JSON.stringify(message), message.userId, message.clientMsgId ?? '', Limits.CHAT_HISTORY, CHAT_TTL_MS,
    );
    return original ? (JSON.parse(original) as ChatMessage) : undefined;
  }

  async sendChat(message: ChatMessage, limit: number, windowMs: number): Promise<ChatOutcome> {
    if (this.backend.topology === 'cluster') {
      // The user's counter and the room's history live on different shards: two scripts, two round trips.
      const original = message.clientMsgId === undefined ? undefined : await this.findChat(message);
      if (original) return { status: 'duplicate', original };
      const slot = await this.takeChatSlot(message.userId, message.ts, limit, windowMs);
      if (!slot.ok) return { status: 'rate_limited', retryAfterMs: slot.retryAfterMs };
      const raced = await this.appendChat(message);
      return raced ? { status: 'duplicate', original: raced } : { status: 'accepted' };
    }
    const reply = await this.commands().rtgwSendChat(
      this.keys.chatRate(message.userId), this.keys.chat(message.roomId),
      JSON.stringify(message), message.userId, message.clientMsgId ?? '', Limits.CHAT_HISTORY, CHAT_TTL_MS,
      message.ts, limit, windowMs, this.chatSlotEntry(message.ts),
    );
    if (reply[0] === 'duplicate') return { status: 'duplicate', original: JSON.parse(reply[1]) as ChatMessage };
    if (reply[0] === 'rate_limited') return { status: 'rate_limited', retryAfterMs: reply[1] };
    return { status: 'accepted' };
  }

  /** The history's message with `message`'s (userId, clientMsgId), if any. */
  private async findChat(message: ChatMessage): Promise<ChatMessage | undefined> {
    const history = await this.commands().lrange(this.keys.chat(message.roomId), 0, -1);
    for (const raw of history) {
      const m = JSON.parse(raw) as ChatMessage;
      if (m.userId === message.userId && m.clientMsgId === message.clientMsgId) return m;
    }
    return undefined;
  }

  async mergeChat(roomId: string, messages: ChatMessage[]): Promise<void> {
    const json = messages.map((message) => JSON.stringify(message));
    await this.commands().rtgwMergeChat(this.keys.chat(roomId), Limits.CHAT_HISTORY, CHAT_TTL_MS, ...json);
  }

  // ------------------------------------------------------------ blocklists

  async getBlocked(userId: string): Promise<string[]> {
    return (await this.commands().smembers(this.keys.blocks(userId))).sort();
  }

  async setBlocked(userId: string, blockedUserId: string, blocked: boolean): Promise<void> {
    const key = this.keys.blocks(userId);
    // One MULTI, on the user's slot: the change and its news go together (PUBLISH has no key, and
    // a cluster forwards a classic publish to every node).
    const multi = this.commands().multi();
    if (blocked) multi.sadd(key, blockedUserId);
    else multi.srem(key, blockedUserId);
    await exec(multi.publish(this.keys.blocksChannel, userId));
  }

  // ------------------------------------------------------------ pub/sub

  async subscribeRoom(roomId: string): Promise<void> {
    const channel = this.keys.events(roomId);
    this.roomChannels.set(channel, roomId);
    await this.backend.subscribeRoom(channel);
  }

  async unsubscribeRoom(roomId: string): Promise<void> {
    const channel = this.keys.events(roomId);
    // Deleted first: from now on nothing is delivered for this room, even what is already in flight.
    if (!this.roomChannels.delete(channel)) return;
    await this.backend.unsubscribeRoom(channel);
  }

  publish(roomId: string, event: RoomEvent): void {
    if (this.phase !== 'running') {
      this.warnThrottled('publish', { roomId, kind: event.kind, phase: this.phase }, 'room event not published: store not running');
      return;
    }
    let payload: string;
    try {
      payload = JSON.stringify(event);
    } catch (err) {
      this.logger.error({ err, roomId, kind: event.kind }, 'room event not published: not serializable');
      return;
    }
    this.backend.publishRoom(this.keys.events(roomId), payload).catch((err: unknown) => {
      this.warnThrottled('publish', { err, roomId, kind: event.kind }, 'room event not published');
    });
  }

  // ------------------------------------------------------------ node leases

  async heartbeat(nodeId: string): Promise<boolean> {
    return (await this.commands().rtgwHeartbeat(this.keys.nodes, nodeId)) === 1;
  }

  async reapDeadNodes(selfNodeId: string, leaseMs: number): Promise<ReapedMember[]> {
    const { keys } = this;
    const cmd = this.commands();
    // A lease renewed at or before Redis time minus `leaseMs` is dead (as in MemoryStore).
    const dead = await cmd.rtgwDeadNodes(keys.nodes, selfNodeId, leaseMs);
    const reaped: ReapedMember[] = [];
    for (const nodeId of dead) {
      const rooms = await cmd.smembers(keys.nodeRooms(nodeId));
      // Room by room: each removal is atomic in its room, so two reapers never both return a member.
      const outcomes = await Promise.allSettled(
        rooms.map(async (roomId) => ({ roomId, reply: await cmd.rtgwReapRoom(keys.members(roomId), keys.transforms(roomId), keys.byNode(roomId), nodeId) })),
      );
      let complete = true;
      const emptied: Array<Promise<void>> = [];
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          complete = false;
          this.warnThrottled('reap', { err: outcome.reason, nodeId }, 'could not reap a room of a dead node; the next reap retries');
          continue;
        }
        const { roomId, reply: [users, roomLeft] } = outcome.value;
        for (const userId of users) reaped.push({ roomId, userId, nodeId });
        if (roomLeft === 0) emptied.push(this.forgetRoom(roomId));
      }
      await this.afterwards(...emptied);
      // The node is forgotten only once all its rooms are done: a reaper that fails half-way leaves the rest to the next.
      if (complete && (await cmd.rtgwForgetNode(keys.nodes, nodeId, leaseMs).catch(() => 0)) === 1) await this.afterwards(cmd.del(keys.nodeRooms(nodeId)));
    }
    return reaped;
  }

  async dropNode(nodeId: string): Promise<void> {
    const cmd = this.commands();
    await Promise.all([cmd.zrem(this.keys.nodes, nodeId), cmd.del(this.keys.nodeRooms(nodeId))]);
  }

  // ------------------------------------------------------------ node stats (admin API)

  async putNodeStats(record: NodeStatsRecord): Promise<void> {
    const key = this.keys.nodeStats;
    await exec(this.commands().multi().hset(key, record.nodeId, JSON.stringify(record)).pexpire(key, NODE_STATS_KEY_TTL_MS));
  }

  async listNodeStats(now: number): Promise<NodeStatsRecord[]> {
    const live = await this.commands().rtgwListNodeStats(this.keys.nodeStats, now);
    return live.map((json) => JSON.parse(json) as NodeStatsRecord).sort((x, y) => (x.nodeId < y.nodeId ? -1 : 1));
  }

  /** A member of a user's chat counter: unique per message, across nodes. */
  private chatSlotEntry(now: number): string {
    return `${now}:${this.id}:${++this.seq}`;
  }

  // ------------------------------------------------------------ index bookkeeping

  /** Take the room out of the rooms index, and put it back if a join got in between. */
  private async forgetRoom(roomId: string): Promise<void> {
    const cmd = this.commands();
    await cmd.srem(this.keys.rooms, roomId);
    if ((await cmd.hlen(this.keys.members(roomId))) > 0) await cmd.sadd(this.keys.rooms, roomId);
  }

  /** Take the room out of the node's room set, and put it back if a member of that node joined in between. */
  private async forgetNodeRoom(nodeId: string, roomId: string): Promise<void> {
    const cmd = this.commands();
    await cmd.srem(this.keys.nodeRooms(nodeId), roomId);
    if (Number((await cmd.hget(this.keys.byNode(roomId), nodeId)) ?? 0) > 0) await cmd.sadd(this.keys.nodeRooms(nodeId), roomId);
  }

  /**
   * Index writes that follow a call which already did its work: awaited, so the index is up to
   * date when the call returns, but a failure does not fail the call (it did its work; a missed
   * entry is re-asserted by the next reconciliation, a stale one costs nothing but a look).
   */
  private async afterwards(...writes: Array<Promise<unknown> | undefined>): Promise<void> {
    await Promise.all(
      writes.map((write) =>
        write?.catch((err: unknown) => this.warnThrottled('index', { err }, 'could not update a rooms index; the next reconciliation re-asserts it')),
      ),
    );
  }

  // ------------------------------------------------------------ connections

  /** The command connection, once `start()` has been called (before it, a command would connect on its own). */
  private commands(): Redis | Cluster {
    if (this.phase === 'new') throw new Error('RedisStore is not started');
    if (this.phase === 'closed') throw new Error('RedisStore is closed');
    return this.backend.cmd;
  }

  /**
   * One command per item, each on keys of one slot: one pipeline (one round trip) on one server; on
   * a cluster, separate commands that auto-pipelining groups by shard (a pipeline must stay on one).
   */
  private async eachSlot<T>(items: T[], call: (c: Redis | Cluster, item: T) => unknown): Promise<unknown[]> {
    const cmd = this.commands();
    if (this.backend.topology === 'cluster') return Promise.all(items.map((item) => call(cmd, item)));
    const pipeline = (cmd as Redis).pipeline();
    for (const item of items) call(pipeline as unknown as Redis, item);
    return exec(pipeline);
  }

  /** The live leases, shared by reconciliations close together (one read for a heartbeat's worth of rooms). */
  private liveNodes(leaseMs: number): Promise<string[]> {
    const now = performance.now();
    if (this.live && this.live.leaseMs === leaseMs && now - this.live.at < Math.min(LIVE_NODES_MAX_AGE_MS, leaseMs / 10)) return this.live.nodes;
    const nodes = this.commands().rtgwLiveNodes(this.keys.nodes, leaseMs);
    const entry = { leaseMs, at: now, nodes };
    this.live = entry;
    nodes.catch(() => {
      if (this.live === entry) this.live = undefined;
    });
    return nodes;
  }

  private deliver(channel: string, message: string): void {
    if (channel === this.keys.blocksChannel) {
      this.notify('onBlocksChanged', (handlers) => handlers.onBlocksChanged(message));
      return;
    }
    const roomId = this.roomChannels.get(channel);
    if (roomId === undefined) return; // unsubscribed while the message was in flight
    let event: RoomEvent;
    try {
      event = JSON.parse(message) as RoomEvent;
    } catch (err) {
      this.warnThrottled('bad-event', { err, roomId }, 'ignored a room event that is not JSON');
      return;
    }
    this.notify('onRoomEvent', (handlers) => handlers.onRoomEvent(roomId, event));
  }

  /** Call a handler; one that throws is logged and must not break the connection's event loop. */
  private notify(name: keyof StoreHandlers, call: (handlers: StoreHandlers) => void): void {
    const handlers = this.handlers;
    if (!handlers || this.phase !== 'running') return;
    try {
      call(handlers);
    } catch (err) {
      this.logger.error({ err, handler: name }, 'store handler threw');
    }
  }

  private warnThrottled(kind: string, obj: object, msg: string): void {
    const now = Date.now();
    const last = this.warned.get(kind);
    if (last && now - last.at < WARN_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    this.logger.warn(last?.suppressed ? { ...obj, suppressed: last.suppressed } : obj, msg);
    this.warned.set(kind, { at: now, suppressed: 0 });
  }
}

/**
 * A room's snapshot from what Redis holds: the member JSON values, the transforms hash (as an
 * object, or flat field, value, … as a script returns it) and the chat list, oldest first.
 */
function snapshotOf(members: string[], transforms: Record<string, string> | string[], chat: string[]): RoomSnapshot {
  const records = members.map((raw) => JSON.parse(raw) as MemberRecord);
  records.sort((x, y) => x.joinedAt - y.joinedAt || (x.userId < y.userId ? -1 : 1));
  const latest: Record<string, Transform> = {};
  if (Array.isArray(transforms)) {
    for (let i = 0; i + 1 < transforms.length; i += 2) latest[transforms[i]!] = JSON.parse(transforms[i + 1]!) as Transform;
  } else {
    for (const [userId, raw] of Object.entries(transforms)) latest[userId] = JSON.parse(raw) as Transform;
  }
  return { members: records, transforms: latest, chat: chat.map((raw) => JSON.parse(raw) as ChatMessage) };
}
