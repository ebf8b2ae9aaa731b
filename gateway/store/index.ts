/** The store a gateway node uses: Redis when a URL is configured, else the embedded in-memory store. */
import { MemoryStore } from './memory.js';
import { RedisStore, type StoreLogger } from './redis.js';
import type { Store } from './types.js';

export type * from './types.js';
export { MemoryBackend, MemoryStore } from './memory.js';
export { RedisStore, redisKeys, type RedisStoreOptions, type StoreLogger } from './redis.js';

export interface CreateStoreOptions {
  /** Unset: one process, `MemoryStore`. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel. */
  keyPrefix: string;
  logger?: StoreLogger;
  /** Redis command timeout (ms). */
  commandTimeoutMs?: number;
}

/** Build (not start) the store; nothing connects until `start()`. */
export function createStore(options: CreateStoreOptions): Store {
  if (!options.redisUrl) return new MemoryStore();
  return new RedisStore({ url: options.redisUrl, keyPrefix: options.keyPrefix, logger: options.logger, commandTimeoutMs: options.commandTimeoutMs });
}
