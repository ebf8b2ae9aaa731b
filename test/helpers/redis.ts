/** Redis for test files: the run's shared server (test/helpers/global-setup.ts) and collision-free key prefixes. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** URL of the Redis shared by the whole run. Throws (saying how to install redis-server) when there is none. */
export function redisUrl(): string {
  const url = inject('redisUrl');
  if (!url) throw new Error(inject('redisUnavailable') || 'no Redis: test/helpers/global-setup.ts did not run');
  return url;
}

let counter = 0;

/** A key prefix no other test (in this or another worker, or an earlier run) uses. */
export function uniquePrefix(name: string): string {
  const slug = name.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40);
  return `test:${slug}:${process.pid}.${++counter}.${randomBytes(3).toString('hex')}:`;
}

/** Delete every key under `prefix` (for runs against a long-lived REDIS_URL). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
