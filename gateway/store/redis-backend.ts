/**
 * What `RedisStore` needs from its connections, whichever Redis it runs on: one server
 * (redis-single.ts: a command and a subscriber connection) or a Redis Cluster (redis-cluster.ts:
 * ioredis' `Cluster` with one sharded subscriber per shard). The store's logic (keys, scripts, what
 * a call means) is written once against this; a backend owns only connecting, pub/sub and knowing
 * whether it is whole.
 */
import type { ChainableCommander, Cluster, Redis, RedisOptions } from 'ioredis';

/** Structured logger (pino's `warn`/`error` fit). Never given tokens. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BackendEvents {
  /** A message on a room channel or on a global channel (never a readiness probe). */
  message(channel: string, message: string): void;
  /** The backend became unusable, wholly or in part (one shard): reported once per outage. */
  lost(): void;
  /** Usable again, every wanted subscription in place: this node should re-assert its state. */
  restored(): void;
}

export interface RedisBackend {
  readonly topology: 'single' | 'cluster';
  /** Where it connects, with any password hidden (for errors and logs). */
  readonly where: string;
  /** Commands (the scripts of redis-scripts.ts are defined on it). */
  readonly cmd: Redis | Cluster;
  /** Connect and subscribe to `globalChannels`; rejects naming `where` when not usable within the connect timeout. */
  start(events: BackendEvents, globalChannels: string[]): Promise<void>;
  /** Disconnect; idempotent; resolves once no socket or timer is left. */
  close(): Promise<void>;
  /** A command round trip and a round trip through every subscriber connection succeed within `timeoutMs`. */
  checkReady(timeoutMs: number): Promise<boolean>;
  /**
   * Receive a room channel (sharded pub/sub on a cluster). While the backend is not whole the wish
   * is kept and applied when it is; resolves once Redis confirmed it or the wish was kept.
   */
  subscribeRoom(channel: string): Promise<void>;
  unsubscribeRoom(channel: string): Promise<void>;
  /** PUBLISH, or SPUBLISH on a cluster (to the shard that owns the channel's slot). */
  publishRoom(channel: string, payload: string): Promise<unknown>;
  /** Classic PUBLISH, to every node (the blocklist channel). */
  publish(channel: string, payload: string): Promise<unknown>;
}

/**
 * What every connection to a Redis server gets, on one Redis (its command and subscriber
 * connections) and on a cluster (`redisOptions`, each node's connection): a command in flight when
 * its connection drops rejects instead of being resent later, none is retried, and each one is
 * bounded by `commandTimeoutMs`.
 *
 * Not here: `lazyConnect`, `enableOfflineQueue` and the retry strategy. On a cluster they are
 * options of the `Cluster` itself (ioredis sets its own on each node's connection, and its sharded
 * subscribers read `redisOptions.lazyConnect`), so each backend sets them where they belong.
 */
export function connectionOptions(commandTimeoutMs: number): RedisOptions {
  return {
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    // On close() a socket that is not ready is destroyed at once; ioredis would arm a 2 s timer
    // (even for a socket that is already gone), keeping the process alive after close().
    disconnectTimeout: 0,
  };
}

/** The wait before reconnect attempt `attempt` (one Redis's `retryStrategy`, a cluster's `clusterRetryStrategy`): 50 ms more each time, at most 1 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 50, 1_000);
}

/** Run a pipeline or MULTI and return its replies, throwing the first error instead of returning it. */
export async function exec(batch: ChainableCommander): Promise<unknown[]> {
  const results = await batch.exec();
  if (!results) throw new Error('redis transaction was discarded');
  return results.map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export const stderrLogger: StoreLogger = {
  warn: (obj, msg) => writeLogLine('warn', obj, msg),
  error: (obj, msg) => writeLogLine('error', obj, msg),
};

function writeLogLine(level: string, obj: object, msg: string): void {
  const line = JSON.stringify({ level, time: Date.now(), msg, ...obj }, (_key, value: unknown) =>
    value instanceof Error ? { type: value.name, message: value.message } : value,
  );
  process.stderr.write(`${line}\n`);
}

/**
 * Resolve once `ready()` holds (checked on each `events` event of `emitter`), or reject with
 * `timeoutError()` after `timeoutMs`; `abort` lets `close()` end the wait early.
 */
export function waitUntil(
  emitters: Array<{ on(event: string, fn: () => void): unknown; off(event: string, fn: () => void): unknown }>,
  events: string[],
  ready: () => boolean,
  timeoutMs: number,
  timeoutError: () => Error,
  setAbort: (abort: ((err: Error) => void) | undefined) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ready()) return;
      stop();
      resolve();
    };
    const fail = (err: Error) => {
      stop();
      reject(err);
    };
    const timer = setTimeout(() => fail(timeoutError()), timeoutMs);
    const stop = () => {
      clearTimeout(timer);
      setAbort(undefined);
      for (const emitter of emitters) for (const event of events) emitter.off(event, check);
    };
    setAbort(fail);
    for (const emitter of emitters) for (const event of events) emitter.on(event, check);
    check();
  });
}
