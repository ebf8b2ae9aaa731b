/**
 * One Redis server (or whatever one URL reaches): a command connection and a subscriber connection.
 *
 * Commands never queue while Redis is down: they reject at once (and commands in flight when the
 * connection drops reject on the drop), so a caller gets an error now instead of a stale write
 * replayed later. ioredis reconnects by itself; this backend re-subscribes (channels wanted during
 * the outage included) before it reports `restored`.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { connectionOptions, reconnectDelay, redactUrl, waitUntil, type BackendEvents, type RedisBackend, type StoreLogger } from './redis-backend.js';

export interface SingleBackendOptions {
  url: string;
  /** This store's private readiness channel (`redisKeys.ready`). */
  readyChannel: string;
  logger: StoreLogger;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

type ConnectionName = 'command' | 'subscriber';

export class SingleBackend implements RedisBackend {
  readonly topology = 'single' as const;
  readonly where: string;
  readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly readyChannel: string;
  private readonly logger: StoreLogger;
  private readonly connectTimeoutMs: number;
  private phase: 'new' | 'running' | 'closed' = 'new';
  private events: BackendEvents | undefined;
  private globalChannels: string[] = [];
  private readonly roomChannels = new Set<string>();
  private abortStart: ((err: Error) => void) | undefined;
  /** A connection dropped and `restored` has not been reported yet. */
  private lost = false;
  /** The subscriber connection holds every wanted subscription. */
  private subscribed = false;
  private readonly readyArrivals = new Map<string, () => void>();
  private readonly pendingChecks = new Set<() => void>();
  private readonly lastError: Record<ConnectionName, string | undefined> = { command: undefined, subscriber: undefined };
  private readonly id = randomUUID();
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(options: SingleBackendOptions) {
    this.where = `Redis at ${redactUrl(options.url)}`;
    this.readyChannel = options.readyChannel;
    this.logger = options.logger;
    this.connectTimeoutMs = options.connectTimeoutMs;
    const connection: RedisOptions = {
      ...connectionOptions(options.commandTimeoutMs),
      lazyConnect: true,
      // Fail fast while Redis is down (see the header comment).
      enableOfflineQueue: false,
      // This backend re-subscribes itself: it also knows the channels wanted while the connection was down.
      autoResubscribe: false,
      retryStrategy: reconnectDelay,
    };
    this.cmd = new Redis(options.url, { ...connection, connectionName: 'rtgw-cmd' });
    this.sub = new Redis(options.url, { ...connection, connectionName: 'rtgw-sub' });
    for (const [name, conn] of [['command', this.cmd], ['subscriber', this.sub]] as const) {
      conn.on('error', (err: Error) => this.connectionError(name, err));
      conn.on('close', () => this.connectionLost(name));
      conn.on('ready', () => this.connectionReady(name));
    }
    this.sub.on('message', (channel: string, message: string) => this.deliver(channel, message));
  }

  async start(events: BackendEvents, globalChannels: string[]): Promise<void> {
    this.events = events;
    this.globalChannels = [...globalChannels, this.readyChannel];
    const ready = () => this.cmd.status === 'ready' && this.sub.status === 'ready';
    const unreachable = () => {
      const cause = this.lastError.command ?? this.lastError.subscriber;
      return new Error(`${this.where} is unreachable: not ready within ${this.connectTimeoutMs} ms${cause ? ` (last error: ${cause})` : ''}`);
    };
    const connected = waitUntil([this.cmd, this.sub], ['ready'], ready, this.connectTimeoutMs, unreachable, (abort) => (this.abortStart = abort));
    // Rejections only repeat what 'error' events report; ioredis keeps retrying on its own.
    this.cmd.connect().catch(() => {});
    this.sub.connect().catch(() => {});
    await connected;
    await this.sub.subscribe(...this.wantedChannels());
    if (this.phase !== 'new') throw new Error('RedisStore was closed while starting');
    this.subscribed = true;
    this.phase = 'running';
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.phase = 'closed';
      this.subscribed = false;
      this.abortStart?.(new Error('RedisStore was closed while starting'));
      for (const abort of [...this.pendingChecks]) abort();
      await Promise.all([endConnection(this.cmd), endConnection(this.sub)]);
    })();
    return this.closing;
  }

  async checkReady(timeoutMs: number): Promise<boolean> {
    if (this.phase !== 'running') return false;
    const token = `${this.id}:${++this.seq}`;
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

  async subscribeRoom(channel: string): Promise<void> {
    this.roomChannels.add(channel);
    // While the connection is down the wish is kept and applied when it comes back.
    if (this.sub.status !== 'ready') return;
    await this.sub.subscribe(channel).catch((err: unknown) => {
      if (this.sub.status === 'ready') throw err;
    });
  }

  async unsubscribeRoom(channel: string): Promise<void> {
    if (!this.roomChannels.delete(channel) || this.sub.status !== 'ready') return;
    await this.sub.unsubscribe(channel).catch((err: unknown) => {
      if (this.sub.status === 'ready') throw err;
    });
  }

  publishRoom(channel: string, payload: string): Promise<unknown> {
    return this.cmd.publish(channel, payload);
  }

  publish(channel: string, payload: string): Promise<unknown> {
    return this.cmd.publish(channel, payload);
  }

  private wantedChannels(): string[] {
    return [...this.globalChannels, ...this.roomChannels];
  }

  private deliver(channel: string, message: string): void {
    if (channel === this.readyChannel) {
      this.readyArrivals.get(message)?.();
      return;
    }
    if (this.phase === 'running') this.events?.message(channel, message);
  }

  private connectionError(name: ConnectionName, err: Error): void {
    // A dead Redis fails every retry the same way: log each distinct error once per outage.
    if (this.lastError[name] === err.message) return;
    this.lastError[name] = err.message;
    if (this.phase !== 'closed') this.logger.warn({ err, connection: name, where: this.where }, 'redis connection error');
  }

  private connectionLost(name: ConnectionName): void {
    if (name === 'subscriber') this.subscribed = false;
    if (this.phase !== 'running' || this.lost) return;
    this.lost = true;
    this.logger.warn({ connection: name, where: this.where }, 'redis connection lost; reconnecting');
    this.events?.lost();
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
    this.logger.warn({ where: this.where }, 'redis connection restored');
    this.events?.restored();
  }
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
