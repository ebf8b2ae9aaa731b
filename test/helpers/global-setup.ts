/**
 * Vitest global setup: one redis-server for the whole run (or the one REDIS_URL names), handed to
 * test files through `inject('redisUrl')` (see test/helpers/redis.ts).
 *
 * A machine without redis-server can still run the tests that do not need Redis: the reason is
 * provided instead, and `redisUrl()` throws it in the tests that ask for Redis.
 */
import type { TestProject } from 'vitest/node';
import { REDIS_SERVER_MISSING, startRedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis shared by the run; empty when there is none (then `redisUnavailable` says why). */
    redisUrl: string;
    redisUnavailable: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.REDIS_URL;
  if (external) {
    project.provide('redisUrl', external);
    project.provide('redisUnavailable', '');
    return undefined;
  }
  try {
    const server = await startRedisServer();
    project.provide('redisUrl', server.url);
    project.provide('redisUnavailable', '');
    return () => server.stop();
  } catch (err) {
    if (!(err instanceof Error) || err.message !== REDIS_SERVER_MISSING) throw err;
    project.provide('redisUrl', '');
    project.provide('redisUnavailable', err.message);
    return undefined;
  }
}
