/**
 * Redis Cluster, through ioredis' `Cluster` with `shardedSubscribers`: commands go to the shard
 * that owns their slot, room channels are sharded (SSUBSCRIBE/SPUBLISH: a room's events travel only
 * through the shard that owns the room's slot, over one subscriber connection per shard), and the
 * blocklist channel stays on classic pub/sub (rare, and every node needs it).
 *
 * Whole or not. A shard whose master died serves nothing until its replica is promoted, while the
 * other shards go on. ioredis finds the new master (a MOVED reply or a failed connection refreshes
 * its slot map) and re-subscribes that shard's channels on it. This backend does not take that on
 * trust: any sign of trouble (a node lost, a connection error) starts a probe that repeats until
 * every slot has a master, every shard answers, and a message published on each shard (on a
 * private channel per shard) and on classic pub/sub comes back through this node's own
 * subscribers. The first failed probe reports `lost`, the first good one after it `restored`, and
 * `checkReady` is that same probe.
 */
import { randomUUID } from 'node:crypto';
import { Cluster, type ClusterOptions, type NatMap } from 'ioredis';
import { keySlot, SLOTS, type RedisKeys } from './redis-keys.js';
import { connectionOptions, reconnectDelay, waitUntil, type BackendEvents, type RedisBackend, type StoreLogger } from './redis-backend.js';

export interface ClusterBackendOptions {
  /** Seed nodes; the client discovers the others. */
  nodes: Array<{ host: string; port: number }>;
  keys: RedisKeys;
  /** The owning store's id: names its private readiness channels. */
  storeId: string;
  logger: StoreLogger;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Addresses the cluster announces -> addresses this process reaches them at (NAT, containers). */
  natMap?: NatMap;
  password?: string;
}

/** How often a probe repeats while the cluster is not whole, and how long one may take. */
const PROBE_INTERVAL_MS = 250;
const PROBE_TIMEOUT_MS = 1_000;
/** How long close() waits for the connections of a cluster that never became ready to end. */
const CLOSE_WAIT_MS = 500;
/** Enough names to find one in any shard's slots (a shard owning 1/1000 of the slots misses 10,000 tries with p < 0.00005). */
const MAX_READY_NAME_TRIES = 10_000;

export class ClusterBackend implements RedisBackend {
  readonly topology = 'cluster' as const;
  readonly where: string;
  readonly cmd: Cluster;
  private readonly keys: RedisKeys;
  private readonly storeId: string;
  private readonly logger: StoreLogger;
  private readonly connectTimeoutMs: number;
  private readonly readyChannel: string;
  /** What every name of `shardReady` starts with. */
  private readonly shardReadyPrefix: string;
  private phase: 'new' | 'running' | 'closed' = 'new';
  private events: BackendEvents | undefined;
  private globalChannels: string[] = [];
  /** Room channels this node wants, and those Redis confirmed since the last time one failed. */
  private readonly roomChannels = new Set<string>();
  private readonly confirmed = new Set<string>();
  /** One sharded readiness channel per shard, by the node key (host:port) of the master it was chosen for. */
  private readonly shardReady = new Map<string, string>();
  private readyNames = 0;
  private readonly arrivals = new Map<string, () => void>();
  /** The classic readiness message did not come back: subscribe to the global channels again. */
  private resubscribeGlobal = false;
  private lost = false;
  private probing = false;
  private probeAgain = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private wakeProbe: (() => void) | undefined;
  private lastError: string | undefined;
  private abortStart: ((err: Error) => void) | undefined;
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(options: ClusterBackendOptions) {
    this.where = `Redis Cluster at ${options.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
    this.keys = options.keys;
    this.storeId = options.storeId;
    this.logger = options.logger;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.readyChannel = options.keys.ready(options.storeId);
    this.shardReadyPrefix = options.keys.shardReady(options.storeId, 0).slice(0, -'0}'.length);
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      shardedSubscribers: true,
      // Fail fast while a shard (or the cluster) is down, as on one Redis: no command waits in a queue.
      enableOfflineQueue: false,
      // Commands issued in one tick for the same shard leave in one pipeline. Not (S)SUBSCRIBE:
      // ioredis 5.11 leaves those out for classic channels only, and a pipelined SSUBSCRIBE takes the
      // commands queued with it onto the subscriber connection ("Connection in subscriber mode").
      enableAutoPipelining: true,
      autoPipeliningIgnoredCommands: ['ssubscribe', 'sunsubscribe'],
      clusterRetryStrategy: reconnectDelay,
      // A command for a shard whose master is gone is retried (MOVED to the dead node, connection
      // refused, 100 ms, again) only a few times: it fails in about 0.4 s instead of 1.6 s, as on
      // one Redis calls fail fast while it is down. A MOVED after a failover or a resharding needs one or two.
      maxRedirections: 4,
      retryDelayOnFailover: 100,
      // A periodic look at the slot map too: a failover is also found when nothing is being sent.
      slotsRefreshInterval: 2_000,
      natMap: options.natMap,
      redisOptions: {
        ...connectionOptions(options.commandTimeoutMs),
        connectionName: 'rtgw',
        password: options.password,
      },
    };
    this.cmd = new Cluster(options.nodes, clusterOptions);
    this.cmd.on('message', (channel: string, message: string) => this.deliver(channel, message));
    this.cmd.on('smessage', (channel: string, message: string) => this.deliver(channel, message));
    const trouble = (err?: unknown) => {
      if (err instanceof Error) this.lastError = err.message;
      this.suspect();
    };
    for (const event of ['error', 'node error', 'nodeError', '-node', '-subscriber', 'close', 'reconnecting']) this.cmd.on(event, trouble);
    // Signs that a failover is over: probe at once instead of waiting for the next round.
    for (const event of ['ready', 'refresh', '+node', 'subscribersReady']) this.cmd.on(event, () => this.lost && this.suspect(true));
  }

  async start(events: BackendEvents, globalChannels: string[]): Promise<void> {
    this.events = events;
    this.globalChannels = [...globalChannels, this.readyChannel];
    const unreachable = () =>
      new Error(`${this.where} is unreachable: not ready within ${this.connectTimeoutMs} ms${this.lastError ? ` (last error: ${this.lastError})` : ''}`);
    const connected = waitUntil([this.cmd], ['ready'], () => this.cmd.status === 'ready', this.connectTimeoutMs, unreachable, (abort) => (this.abortStart = abort));
    this.cmd.connect().catch(() => {}); // 'error' events say why; ioredis keeps retrying
    await connected;
    await this.cmd.subscribe(...this.globalChannels);
    await this.coverShards();
    if (this.phase !== 'new') throw new Error('RedisStore was closed while starting');
    this.phase = 'running';
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.phase = 'closed';
      clearTimeout(this.probeTimer);
      this.wakeProbe?.();
      this.abortStart?.(new Error('RedisStore was closed while starting'));
      for (const resolve of this.arrivals.values()) resolve();
      if (this.cmd.status === 'end') return;
      if (this.cmd.status === 'ready') {
        const ended = new Promise<void>((resolve) => this.cmd.once('end', () => resolve()));
        await this.cmd.quit().catch(() => this.cmd.disconnect());
        await ended;
        return;
      }
      if (this.cmd.status === 'reconnecting') {
        // Between retries no connection is open: this only cancels the retry timer (no 'end' follows).
        this.cmd.disconnect();
        return;
      }
      // Still connecting: this closes the attempt; 'end' follows once its connections are gone (bounded, to be sure).
      let timer: NodeJS.Timeout | undefined;
      const ended = new Promise<void>((resolve) => {
        this.cmd.once('end', () => resolve());
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      });
      this.cmd.disconnect();
      await ended;
      clearTimeout(timer);
    })();
    return this.closing;
  }

  async checkReady(timeoutMs: number): Promise<boolean> {
    if (this.phase !== 'running') return false;
    const whole = await this.probe(timeoutMs);
    // A failure no connection event announced (a silent network): from here on, as any other.
    if (!whole) this.suspect();
    return whole;
  }

  async subscribeRoom(channel: string): Promise<void> {
    this.roomChannels.add(channel);
    await this.ssubscribe(channel);
  }

  async unsubscribeRoom(channel: string): Promise<void> {
    this.roomChannels.delete(channel);
    this.confirmed.delete(channel);
    if (this.phase === 'running') await this.cmd.sunsubscribe(channel).catch(() => {});
  }

  publishRoom(channel: string, payload: string): Promise<unknown> {
    return this.cmd.spublish(channel, payload);
  }

  publish(channel: string, payload: string): Promise<unknown> {
    return this.cmd.publish(channel, payload);
  }

  // ------------------------------------------------------------ subscriptions

  /** SSUBSCRIBE one channel; a failure keeps the wish (the probe retries it) and starts a probe. */
  private async ssubscribe(channel: string): Promise<void> {
    try {
      // ioredis keeps the channels of each slot and re-subscribes them after a failover; after
      // a failed attempt it may hold this one twice, so take it out first (SUNSUBSCRIBE is harmless
      // for a channel not subscribed).
      if (!this.confirmed.has(channel)) await this.cmd.sunsubscribe(channel).catch(() => {});
      await this.cmd.ssubscribe(channel);
      if (this.roomChannels.has(channel) || [...this.shardReady.values()].includes(channel)) this.confirmed.add(channel);
    } catch (err) {
      this.confirmed.delete(channel);
      this.lastError = (err as Error).message;
      this.suspect();
    }
  }

  /**
   * Give every master in the slot map a readiness channel of its own (a name whose slot it owns),
   * subscribed; drop those of masters that are gone.
   */
  private async coverShards(): Promise<void> {
    const masters = new Map<string, Set<number>>();
    for (let slot = 0; slot < SLOTS; slot++) {
      const master = this.cmd.slots[slot]?.[0];
      if (master) (masters.get(master) ?? masters.set(master, new Set()).get(master)!).add(slot);
    }
    for (const [master, channel] of [...this.shardReady]) {
      if (masters.get(master)?.has(keySlot(channel))) continue;
      this.shardReady.delete(master);
      this.confirmed.delete(channel);
      await this.cmd.sunsubscribe(channel).catch(() => {});
    }
    for (const [master, slots] of masters) {
      if (this.shardReady.has(master)) continue;
      for (let tries = 0; tries < MAX_READY_NAME_TRIES; tries++) {
        const channel = this.keys.shardReady(this.storeId, this.readyNames++);
        if (!slots.has(keySlot(channel))) continue;
        this.shardReady.set(master, channel);
        break;
      }
    }
    await Promise.all([...this.shardReady.values()].filter((c) => !this.confirmed.has(c)).map((c) => this.ssubscribe(c)));
  }

  // ------------------------------------------------------------ readiness

  /** Every slot has a master, and a message comes back through every subscriber connection within `timeoutMs`. */
  private async probe(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const tokens: string[] = [];
    let classicArrived = false;
    const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const roundTrip = async (channel: string, sharded: boolean): Promise<boolean> => {
      const token = `${this.storeId}:${++this.seq}`;
      tokens.push(token);
      const arrived = new Promise<void>((resolve) => this.arrivals.set(token, resolve));
      if (!sharded) {
        // A cluster forwards a classic publish to every node; the count it returns is only the
        // receiving node's, so the arrival alone tells.
        await this.cmd.publish(channel, token);
        await arrived;
        classicArrived = true;
        return true;
      }
      // Our sharded subscriber is connected to the shard's master, which counts it.
      if (Number(await this.cmd.spublish(channel, token)) === 0) {
        this.confirmed.delete(channel); // the shard answers but our subscription is missing: subscribe again
        return false;
      }
      await arrived;
      return true;
    };
    const roundTrips = async (): Promise<boolean> => {
      for (let slot = 0; slot < SLOTS; slot++) if (!this.cmd.slots[slot]?.[0]) return false;
      if (this.resubscribeGlobal) {
        await this.cmd.subscribe(...this.globalChannels);
        this.resubscribeGlobal = false;
      }
      await this.coverShards();
      const unconfirmed = [...this.roomChannels].filter((c) => !this.confirmed.has(c));
      await Promise.all(unconfirmed.map((c) => this.ssubscribe(c)));
      if (unconfirmed.some((c) => !this.confirmed.has(c))) return false;
      const results = await Promise.all([roundTrip(this.readyChannel, false), ...[...this.shardReady.values()].map((c) => roundTrip(c, true))]);
      return results.every(Boolean);
    };
    try {
      return await Promise.race([roundTrips().catch(() => false), deadline]);
    } finally {
      clearTimeout(timer);
      for (const token of tokens) this.arrivals.delete(token);
      // A classic publish that did not come back: the next probe subscribes again (idempotent in Redis and in ioredis).
      if (tokens.length > 0 && !classicArrived) this.resubscribeGlobal = true;
    }
  }

  /**
   * Something may be wrong (or, with `soon`, may have come right): probe now, and every
   * PROBE_INTERVAL_MS while the cluster is not whole.
   */
  private suspect(soon = false): void {
    if (this.phase !== 'running') return;
    if (this.probing) {
      // A sign of recovery cuts the pause short; a sign of trouble asks for one more probe.
      if (soon) this.wakeProbe?.();
      else this.probeAgain = true;
      return;
    }
    this.probing = true;
    void this.watch().finally(() => (this.probing = false));
  }

  private async watch(): Promise<void> {
    for (;;) {
      this.probeAgain = false;
      const whole = await this.probe(PROBE_TIMEOUT_MS);
      if (this.phase !== 'running') return;
      if (whole && !this.probeAgain) {
        if (this.lost) {
          this.lost = false;
          this.logger.warn({ where: this.where }, 'redis cluster whole again');
          this.events?.restored();
        }
        return;
      }
      if (!whole && !this.lost) {
        this.lost = true;
        this.logger.warn({ where: this.where, lastError: this.lastError }, 'redis cluster not whole (a shard is unreachable or a subscription is missing); probing until it is');
        this.events?.lost();
      }
      // Not whole, or new signs of trouble arrived during a good probe: look again after a pause.
      if (!whole || this.probeAgain) {
        await new Promise<void>((resolve) => {
          this.wakeProbe = resolve;
          this.probeTimer = setTimeout(resolve, PROBE_INTERVAL_MS);
        });
        clearTimeout(this.probeTimer);
        this.wakeProbe = undefined;
      }
    }
  }

  private deliver(channel: string, message: string): void {
    if (channel === this.readyChannel || channel.startsWith(this.shardReadyPrefix)) {
      this.arrivals.get(message)?.();
      return;
    }
    if (this.phase === 'running') this.events?.message(channel, message);
  }
}
