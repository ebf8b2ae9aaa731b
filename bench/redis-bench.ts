/**
 * What the store benches (bench/capacity.ts, bench/removal.ts) run on: a redis-server of their own
 * (a free port, no persistence), a plain connection to read its INFO, and RedisStores standing in
 * for gateway nodes, deaf to every store event. All of it is stopped once the bench settles.
 */
import { Redis } from 'ioredis';
import { RedisStore } from '../gateway/store/redis.js';
import type { StoreHandlers } from '../gateway/store/types.js';
import { startRedisServer } from '../scenarios/support/redis-server.js';

export interface BenchRedis {
  /** A connection of the bench's own, for INFO readings. */
  readonly raw: Redis;
  /** A started RedisStore on this Redis (one per gateway node it plays), closed at the end. */
  startStore(keyPrefix: string): Promise<RedisStore>;
}

const noop = () => {};
const handlers: StoreHandlers = { onRoomEvent: noop, onBlocksChanged: noop, onReconnected: noop, onDisconnected: noop };

/** Start a redis-server, run `bench` on it, then close its stores, its connection and the server. */
export async function withBenchRedis<T>(bench: (redis: BenchRedis) => Promise<T>): Promise<T> {
  const server = await startRedisServer();
  const raw = new Redis(server.url);
  const stores: RedisStore[] = [];
  const startStore = async (keyPrefix: string) => {
    const s = new RedisStore({ url: server.url, keyPrefix });
    stores.push(s);
    await s.start(handlers);
    return s;
  };
  try {
    return await bench({ raw, startStore });
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    raw.disconnect();
    await server.stop();
  }
}
