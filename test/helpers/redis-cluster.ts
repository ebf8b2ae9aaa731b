/**
 * A real Redis Cluster for a test file: six redis-server processes (three masters, one replica
 * each) that the file starts in `beforeAll` and stops in `afterAll` (see scenarios/support/redis-cluster.ts).
 * There is no skipping: without redis-server or redis-cli the file fails, saying how to install them.
 */
import type { Redis } from 'ioredis';
import type { RedisCluster } from '../../scenarios/support/redis-cluster.js';

export { REDIS_CLI_MISSING, parseShards, startRedisCluster, type ClusterNode, type RedisCluster } from '../../scenarios/support/redis-cluster.js';

/** Delete every key under `prefix` on every master (a DEL must stay in one slot, so one key at a time). */
export async function deleteClusterKeys(cluster: RedisCluster, prefix: string): Promise<void> {
  for (const shard of await cluster.shards()) {
    const redis: Redis = cluster.connect(shard.master);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
        await Promise.all(keys.map((key) => redis.del(key)));
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
