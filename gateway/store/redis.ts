/**
 * The Redis store: what several gateway nodes share.
 *
 * Key layout (P = keyPrefix, e.g. `rtgw:`). Room keys carry the hash tag `{room:<roomId>}` so that a
 * room's keys share one Redis Cluster slot; per-user and per-node keys are tagged likewise.
 *
 *   P{room:<roomId>}:members     hash    userId -> JSON MemberRecord
 *   P{room:<roomId>}:transforms  hash    userId -> JSON Transform (latest; only for current members)
 *   P{room:<roomId>}:chat        list    JSON ChatMessage, oldest first, newest 50 kept;
 *                                        expires 24 h after the last append or merge
 *   P{room:<roomId>}:events      channel JSON RoomEvent
 *   Prooms                       set     ids of rooms that have members (for listRooms)
 *   Pchatrate:{<userId>}         zset    chat sliding-window log: unique entry -> send time (ms);
 *                                        expires one window after the last accepted message
 *   Pblocks:{<userId>}           set     userIds that <userId> blocks
 *   Pblocks                      channel userId whose blocklist changed
 *   Pnodes                       zset    nodeId -> last heartbeat (ms)
 *   Pnode:{<nodeId>}:rooms       set     rooms where <nodeId> has (or recently had) members
 *   Pnodestats                   hash    nodeId -> JSON NodeStatsRecord (admin API); a record is listed
 *                                        until its expiresAt; the hash expires 60 s after the last write
 *   Pready:{<storeId>}           channel private to one RedisStore instance: checkReady round trips
 *
 * Cluster note: addMember, removeMember and reapDeadNodes are single Lua scripts that also touch
 * `Prooms` and node keys (other slots). That is fine on one Redis (or Sentinel); on Redis Cluster
 * they would have to be split per slot.
 *
 * Connections: one for commands, one for subscriptions. Commands never queue while Redis is down:
 * they reject at once (and commands in flight when the connection drops reject on the drop), so a
 * caller gets an error now instead of a stale write replayed later. ioredis reconnects by itself;
 * this store re-subscribes (rooms subscribed during the outage included) before it reports
 * `onReconnected`.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { Limits, type ChatMessage, type Transform } from '../../protocol/index.js';
import { defineScripts } from './redis-scripts.js';
import type {
  ChatSlot,
  JoinOutcome,
  MemberRecord,
  NodeStatsRecord,
  ReapedMember,
  ReconcileOutcome,
  RoomEvent,
  RoomSnapshot,
  Store,
  StoreHandlers,
} from './types.js';

/** Structured logger (pino's `warn`/`error` fit). Never given tokens. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL, credentials and db number included. */
  url: string;
  /** Prefix of every key and channel, e.g. `rtgw:`. */
  keyPrefix: string;
  /** Defaults to JSON lines on stderr. */
  logger?: StoreLogger;
  /** How long `start()` waits for both connections. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** A command unanswered this long rejects, so a silent network cannot hang a caller (below the SDK's liveness budget). Default 2000 ms. */
  commandTimeoutMs?: number;
}

const CHAT_TTL_MS = 24 * 60 * 60 * 1000;
/** The node stats hash goes once no node has written to it for this long (its records expire sooner). */
const NODE_STATS_KEY_TTL_MS = 60_000;
/** Repeated warnings of one kind (failed publishes during an outage) are logged at most this often. */
const WARN_INTERVAL_MS = 5_000;

/** Every key and channel name; `redis-scripts.ts` mirrors `roomKey` and `nodeRooms` in Lua. */
export function redisKeys(prefix: string) {
  const roomKey = (roomId: string, suffix: string) => `${prefix}{room:${roomId}}:${suffix}`;
  return {
    members: (roomId: string) => roomKey(roomId, 'members'),
    transforms: (roomId: string) => roomKey(roomId, 'transforms'),
    chat: (roomId: string) => roomKey(roomId, 'chat'),
    events: (roomId: string) => roomKey(roomId, 'events'),
    rooms: `${prefix}rooms`,
    chatRate: (userId: string) => `${prefix}chatrate:{${userId}}`,
    blocks: (userId: string) => `${prefix}blocks:{${userId}}`,
    blocksChannel: `${prefix}blocks`,
    nodes: `${prefix}nodes`,
    nodeRooms: (nodeId: string) => `${prefix}node:{${nodeId}}:rooms`,
    nodeStats: `${prefix}nodestats`,
    ready: (storeId: string) => `${prefix}ready:{${storeId}}`,
  };
}

type ConnectionName = 'command' | 'subscriber';

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly keys: ReturnType<typeof redisKeys>;
  private readonly prefix: string;
  private readonly safeUrl: string;
  private readonly logger: StoreLogger;
  private readonly connectTimeoutMs: number;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly id = randomUUID();
  private readonly readyChannel: string;

  private phase: 'new' | 'starting' | 'running' | 'closed' = 'new';
  private handlers: StoreHandlers | undefined;
  private closing: Promise<void> | undefined;
  /** Set while `start()` waits for the connections, so that `close()` can end the wait. */
  private abortStart: ((err: Error) => void) | undefined;
  /** A connection dropped and `onReconnected` has not been reported yet. */
  private lost = false;
  /** The subscriber connection holds every wanted subscription. */
  private subscribed = false;
  /** Room channels this node wants, channel -> roomId. */
  private readonly roomChannels = new Map<string, string>();
  private readonly readyArrivals = new Map<string, () => void>();
  private readonly pendingChecks = new Set<() => void>();
  private readonly lastError: Record<ConnectionName, string | undefined> = { command: undefined, subscriber: undefined };
  private readonly warned = new Map<string, { at: number; suppressed: number }>();
  private seq = 0;

  constructor(options: RedisStoreOptions) {
    const { url, keyPrefix } = options;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`RedisStore: url is not a valid URL: ${JSON.stringify(redactUrl(url))}`);
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new TypeError('RedisStore: url must start with redis:// or rediss://');
    }
    if (/[{}]/.test(keyPrefix)) {
      throw new TypeError('RedisStore: keyPrefix must not contain "{" or "}" (it would change the hash slot of every key)');
    }
    this.prefix = keyPrefix;
    this.keys = redisKeys(keyPrefix);
    this.readyChannel = this.keys.ready(this.id);
    this.safeUrl = redactUrl(url);
    this.logger = options.logger ?? stderrLogger;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;

    const connection: RedisOptions = {
      lazyConnect: true,
      // Fail fast while Redis is down (see the header comment).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // This store re-subscribes itself: it also knows the rooms subscribed while the connection was down.
      autoResubscribe: false,
      retryStrategy: (attempt) => Math.min(attempt * 50, 1_000),
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      // On close() a socket that is not ready is destroyed at once; ioredis would arm a 2 s timer
      // (even for a socket that is already gone), keeping the process alive after close().
      disconnectTimeout: 0,
    };
    this.cmd = new Redis(url, { ...connection, connectionName: 'rtgw-cmd' });
    this.sub = new Redis(url, { ...connection, connectionName: 'rtgw-sub' });
    defineScripts(this.cmd);
    for (const [name, conn] of [['command', this.cmd], ['subscriber', this.sub]] as const) {
      conn.on('error', (err: Error) => this.connectionError(name, err));
      conn.on('close', () => this.connectionLost(name));
      conn.on('ready', () => this.connectionReady(name));
    }
    this.sub.on('message', (channel: string, message: string) => this.deliver(channel, message));
  }

  // ------------------------------------------------------------ lifecycle

  async start(handlers: StoreHandlers): Promise<void> {
    if (this.phase !== 'new') throw new Error('RedisStore.start() may be called once');
    this.phase = 'starting';
    this.handlers = handlers;
    try {
      await this.connectBoth();
      await this.sub.subscribe(...this.wantedChannels());
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.phase !== 'starting') throw new Error('RedisStore was closed while starting');
    this.subscribed = true;
    this.phase = 'running';
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  async checkReady(timeoutMs: number): Promise<boolean> {
    if (this.phase !== 'running') return false;
    const token = String(++this.seq);
    const arrived = new Promise<void>((resolve) => this.readyArrivals.set(token, resolve));
    return new Promise<boolean>((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.readyArrivals.delete(token);
        this.pendingChecks.delete(abort);
        resolve(ok);
      };
      const abort = () => finish(false);
      const timer = setTimeout(abort, timeoutMs);
      this.pendingChecks.add(abort);
      const roundTrips = async () => {
        await this.cmd.ping();
        // No receiver means our subscriber connection is not (yet) subscribed: no need to wait.
        if ((await this.cmd.publish(this.readyChannel, token)) === 0) return false;
        await arrived;
        return true;
      };
      roundTrips().then(finish, abort);
    });
  }

  // ------------------------------------------------------------ membership

  async addMember(roomId: string, member: MemberRecord, maxSize: number): Promise<JoinOutcome> {
    const [status, previous] = await this.commands().rtgwAddMember(
      this.keys.members(roomId), this.keys.rooms, this.keys.nodeRooms(member.nodeId),
      member.userId, JSON.stringify(member), maxSize, roomId, member.nodeId, this.prefix,
    );
    if (status === 'full') return { status: 'full' };
    return previous === undefined ? { status: 'joined' } : { status: 'joined', previous: JSON.parse(previous) as MemberRecord };
  }

  async reconcileRoom(roomId: string, nodeId: string, held: MemberRecord[], leaseMs: number): Promise<ReconcileOutcome> {
    const [added, superseded, removed, all] = await this.commands().rtgwReconcileRoom(
      this.keys.members(roomId), this.keys.transforms(roomId), this.keys.nodes, this.keys.rooms, this.keys.nodeRooms(nodeId),
      nodeId, leaseMs, roomId, ...held.map((m) => JSON.stringify(m)),
    );
    return { added, superseded, removed, members: all.map((raw) => JSON.parse(raw) as MemberRecord) };
  }

  async restoreMember(roomId: string, userId: string, sessionId: string, previous: MemberRecord | undefined): Promise<boolean> {
    const done = await this.commands().rtgwRestoreMember(
      this.keys.members(roomId), this.keys.transforms(roomId), userId, sessionId, previous ? JSON.stringify(previous) : '',
    );
    return done === 1;
  }

  async removeMember(roomId: string, userId: string, sessionId: string): Promise<boolean> {
    const removed = await this.commands().rtgwRemoveMember(
      this.keys.members(roomId), this.keys.transforms(roomId), this.keys.rooms,
      userId, sessionId, roomId, this.prefix,
    );
    return removed === 1;
  }

  async getRoom(roomId: string): Promise<RoomSnapshot> {
    const [members, transforms, chat] = await exec(
      this.commands()
        .multi()
        .hgetall(this.keys.members(roomId))
        .hgetall(this.keys.transforms(roomId))
        .lrange(this.keys.chat(roomId), -Limits.CHAT_HISTORY, -1),
    );
    const records = Object.values(members as Record<string, string>).map((raw) => JSON.parse(raw) as MemberRecord);
    records.sort((x, y) => x.joinedAt - y.joinedAt || (x.userId < y.userId ? -1 : 1));
    const latest: Record<string, Transform> = {};
    for (const [userId, raw] of Object.entries(transforms as Record<string, string>)) latest[userId] = JSON.parse(raw) as Transform;
    return { members: records, transforms: latest, chat: (chat as string[]).map((raw) => JSON.parse(raw) as ChatMessage) };
  }

  async listRooms(): Promise<Array<{ roomId: string; members: number }>> {
    const cmd = this.commands();
    const roomIds = (await cmd.smembers(this.keys.rooms)).sort();
    if (roomIds.length === 0) return [];
    const pipeline = cmd.pipeline();
    for (const roomId of roomIds) pipeline.hlen(this.keys.members(roomId));
    const counts = (await exec(pipeline)) as number[];
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
    // One round trip per flush: one script call per room (it skips users who left), all pipelined.
    const pipeline = this.commands().pipeline();
    for (const [roomId, latest] of byRoom) {
      const args: string[] = [];
      for (const [userId, transform] of latest) args.push(userId, JSON.stringify(transform));
      pipeline.rtgwSaveTransforms(this.keys.members(roomId), this.keys.transforms(roomId), ...args);
    }
    await exec(pipeline);
  }

  // ------------------------------------------------------------ chat

  async takeChatSlot(userId: string, now: number, limit: number, windowMs: number): Promise<ChatSlot> {
    const entry = `${now}:${this.id}:${++this.seq}`;
    const retryAfterMs = await this.commands().rtgwTakeChatSlot(this.keys.chatRate(userId), now, limit, windowMs, entry);
    return retryAfterMs === 0 ? { ok: true } : { ok: false, retryAfterMs };
  }

  async appendChat(message: ChatMessage): Promise<ChatMessage | undefined> {
    const original = await this.commands().rtgwAppendChat(
      this.keys.chat(message.roomId), JSON.stringify(message), message.userId, message.clientMsgId ?? '', Limits.CHAT_HISTORY, CHAT_TTL_MS,
    );
    return original ? (JSON.parse(original) as ChatMessage) : undefined;
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
    const multi = this.commands().multi();
    if (blocked) multi.sadd(key, blockedUserId);
    else multi.srem(key, blockedUserId);
    await exec(multi.publish(this.keys.blocksChannel, userId));
  }

  // ------------------------------------------------------------ pub/sub

  async subscribeRoom(roomId: string): Promise<void> {
    const channel = this.keys.events(roomId);
    this.roomChannels.set(channel, roomId);
    // While the connection is down the wish is kept and applied when it comes back.
    if (this.sub.status !== 'ready') return;
    await this.sub.subscribe(channel).catch((err: unknown) => {
      if (this.sub.status === 'ready') throw err;
    });
  }

  async unsubscribeRoom(roomId: string): Promise<void> {
    const channel = this.keys.events(roomId);
    // Deleted first: from now on nothing is delivered for this room, even what is already in flight.
    if (!this.roomChannels.delete(channel) || this.sub.status !== 'ready') return;
    await this.sub.unsubscribe(channel).catch((err: unknown) => {
      if (this.sub.status === 'ready') throw err;
    });
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
    this.cmd.publish(this.keys.events(roomId), payload).catch((err: unknown) => {
      this.warnThrottled('publish', { err, roomId, kind: event.kind }, 'room event not published');
    });
  }

  // ------------------------------------------------------------ node leases

  async heartbeat(nodeId: string): Promise<boolean> {
    return (await this.commands().rtgwHeartbeat(this.keys.nodes, nodeId)) === 1;
  }

  async reapDeadNodes(selfNodeId: string, leaseMs: number): Promise<ReapedMember[]> {
    // A lease renewed at or before Redis time minus `leaseMs` is dead (as in MemoryStore).
    const flat = await this.commands().rtgwReapDeadNodes(this.keys.nodes, this.keys.rooms, selfNodeId, leaseMs, this.prefix);
    const reaped: ReapedMember[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) reaped.push({ roomId: flat[i]!, userId: flat[i + 1]!, nodeId: flat[i + 2]! });
    return reaped;
  }

  async dropNode(nodeId: string): Promise<void> {
    await exec(this.commands().multi().zrem(this.keys.nodes, nodeId).del(this.keys.nodeRooms(nodeId)));
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

  // ------------------------------------------------------------ connections

  /** The command connection, once `start()` has been called (before it, a command would connect on its own). */
  private commands(): Redis {
    if (this.phase === 'new') throw new Error('RedisStore is not started');
    if (this.phase === 'closed') throw new Error('RedisStore is closed');
    return this.cmd;
  }

  private wantedChannels(): string[] {
    return [this.keys.blocksChannel, this.readyChannel, ...this.roomChannels.keys()];
  }

  /** Resolve once both connections are ready, or reject naming the URL after `connectTimeoutMs`. */
  private connectBoth(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.cmd.status !== 'ready' || this.sub.status !== 'ready') return;
        stop();
        resolve();
      };
      const fail = (err: Error) => {
        stop();
        reject(err);
      };
      const timer = setTimeout(() => {
        const cause = this.lastError.command ?? this.lastError.subscriber;
        const detail = cause ? ` (last error: ${cause})` : '';
        fail(new Error(`Redis at ${this.safeUrl} is unreachable: not ready within ${this.connectTimeoutMs} ms${detail}`));
      }, this.connectTimeoutMs);
      const stop = () => {
        clearTimeout(timer);
        this.abortStart = undefined;
        this.cmd.off('ready', check);
        this.sub.off('ready', check);
      };
      this.abortStart = fail;
      this.cmd.on('ready', check);
      this.sub.on('ready', check);
      // Rejections only repeat what 'error' events report; ioredis keeps retrying on its own.
      this.cmd.connect().catch(() => {});
      this.sub.connect().catch(() => {});
    });
  }

  private async shutDown(): Promise<void> {
    this.phase = 'closed';
    this.subscribed = false;
    this.abortStart?.(new Error('RedisStore was closed while starting'));
    for (const abort of [...this.pendingChecks]) abort();
    await Promise.all([endConnection(this.cmd), endConnection(this.sub)]);
  }

  private connectionError(name: ConnectionName, err: Error): void {
    // A dead Redis fails every retry the same way: log each distinct error once per outage.
    if (this.lastError[name] === err.message) return;
    this.lastError[name] = err.message;
    if (this.phase !== 'closed') this.logger.warn({ err, connection: name, url: this.safeUrl }, 'redis connection error');
  }

  private connectionLost(name: ConnectionName): void {
    if (name === 'subscriber') this.subscribed = false;
    if (this.phase !== 'running' || this.lost) return;
    this.lost = true;
    this.logger.warn({ connection: name, url: this.safeUrl }, 'redis connection lost; reconnecting');
    this.notify('onDisconnected', (handlers) => handlers.onDisconnected());
  }

  private connectionReady(name: ConnectionName): void {
    this.lastError[name] = undefined;
    if (this.phase !== 'running') return;
    if (name === 'subscriber') void this.restoreSubscriptions();
    else this.reportIfRecovered();
  }

  private async restoreSubscriptions(): Promise<void> {
    try {
      // Resolves once Redis has confirmed every channel: an event published after this arrives.
      await this.sub.subscribe(...this.wantedChannels());
    } catch (err) {
      if (this.phase !== 'running') return;
      this.logger.warn({ err }, 'could not restore subscriptions; reconnecting to retry');
      if (this.sub.status === 'ready') this.sub.disconnect(true);
      return;
    }
    this.subscribed = true;
    this.reportIfRecovered();
  }

  private reportIfRecovered(): void {
    if (this.phase !== 'running' || !this.lost || !this.subscribed || this.cmd.status !== 'ready') return;
    this.lost = false;
    this.logger.warn({ url: this.safeUrl }, 'redis connection restored');
    this.notify('onReconnected', (handlers) => handlers.onReconnected());
  }

  private deliver(channel: string, message: string): void {
    if (channel === this.readyChannel) {
      this.readyArrivals.get(message)?.();
      return;
    }
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

/** Run a pipeline or MULTI and return its replies, throwing the first error instead of returning it. */
async function exec(batch: ChainableCommander): Promise<unknown[]> {
  const results = await batch.exec();
  if (!results) throw new Error('redis transaction was discarded');
  return results.map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });
}

/** Close a connection whatever its state, and wait until its socket is gone. */
async function endConnection(conn: Redis): Promise<void> {
  if (conn.status === 'end') return;
  if (conn.status === 'reconnecting') {
    // The socket is already closed; this only cancels the retry timer (no 'end' event follows).
    conn.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => conn.once('end', () => resolve()));
  if (conn.status === 'ready') await conn.quit().catch(() => conn.disconnect());
  else conn.disconnect();
  await ended;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

const stderrLogger: StoreLogger = {
  warn: (obj, msg) => writeLogLine('warn', obj, msg),
  error: (obj, msg) => writeLogLine('error', obj, msg),
};

function writeLogLine(level: string, obj: object, msg: string): void {
  const line = JSON.stringify({ level, time: Date.now(), msg, ...obj }, (_key, value: unknown) =>
    value instanceof Error ? { type: value.name, message: value.message } : value,
  );
  process.stderr.write(`${line}\n`);
}
