/** The store a gateway node uses: Redis (one server or a cluster) when configured, else the embedded in-memory store. */
import { MemoryStore } from './memory.js';
import { RedisStore, type StoreLogger } from './redis.js';
import type { Store } from './types.js';

export type * from './types.js';
export { MemoryBackend, MemoryStore } from './memory.js';
export { keySlot, parseClusterNodes, RedisStore, redisKeys, type RedisStoreOptions, type StoreLogger } from './redis.js';

export interface CreateStoreOptions {
  /** One Redis. Unset (and no cluster): one process, `MemoryStore`. */
  redisUrl?: string;
  /** Or Redis Cluster seed nodes, `host:port` each. Not together with `redisUrl`. */
  redisClusterNodes?: string[];
  /** Prefix of every Redis key and channel. */
  keyPrefix: string;
  logger?: StoreLogger;
  /** Redis command timeout (ms). */
  commandTimeoutMs?: number;
}

/** Build (not start) the store; nothing connects until `start()`. */
export function createStore(options: CreateStoreOptions): Store {
  const { redisUrl, redisClusterNodes, keyPrefix, logger, commandTimeoutMs } = options;
  if (redisUrl && redisClusterNodes?.length) throw new TypeError('createStore: give redisUrl or redisClusterNodes, not both');
  if (redisClusterNodes?.length) return new RedisStore({ clusterNodes: redisClusterNodes, keyPrefix, logger, commandTimeoutMs });
  if (!redisUrl) return new MemoryStore();
  return new RedisStore({ url: redisUrl, keyPrefix, logger, commandTimeoutMs });
}
