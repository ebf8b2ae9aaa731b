/** The bench's counting proxy (bench/redis-proxy.ts) between a real ioredis client and the run's Redis. */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestCounter, startCountingProxy, type CountingProxy } from '../../bench/redis-proxy.js';
import { deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';

describe('RequestCounter', () => {
  it('counts RESP commands however the stream is cut, bulk payloads that look like commands included', () => {
    const bytes = Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\n*1\r\n\r\n$3\r\nGET\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n');
    // SET whose value is "*1\r\n" (not a command), GET k, then an inline PING.
    expect(new RequestCounter().feed(bytes)).toBe(3);
    for (let cut = 1; cut < bytes.length; cut++) {
      const c = new RequestCounter();
      expect(c.feed(bytes.subarray(0, cut)) + c.feed(bytes.subarray(cut)), `cut at ${cut}`).toBe(3);
    }
    const oneByOne = new RequestCounter();
    let n = 0;
    for (let i = 0; i < bytes.length; i++) n += oneByOne.feed(bytes.subarray(i, i + 1));
    expect(n).toBe(3);
  });
});

describe('startCountingProxy', () => {
  let proxy: CountingProxy | undefined;
  let client: Redis | undefined;
  const prefix = uniquePrefix('redis-proxy');
  afterEach(async () => {
    client?.disconnect();
    await proxy?.close();
    await deleteKeys(redisUrl(), prefix);
  });

  it('a command after an answer is a round trip; a pipeline, or calls made in one tick, are one', async () => {
    proxy = await startCountingProxy({ port: Number(new URL(redisUrl()).port) });
    client = new Redis(proxy.url, { maxRetriesPerRequest: 1 });
    await client.ping(); // ready: ioredis's own start-up commands are behind us
    const before = proxy.counts();
    await client.set(`${prefix}a`, '1');
    await client.get(`${prefix}a`);
    await client.pipeline().incr(`${prefix}b`).incr(`${prefix}b`).get(`${prefix}b`).exec();
    const [, b] = await Promise.all([client.incr(`${prefix}c`), client.get(`${prefix}b`)]);
    expect(b).toBe('2');
    const after = proxy.counts();
    expect(after.requests - before.requests).toBe(2 + 3 + 2);
    expect(after.bursts - before.bursts).toBe(4);
  });

  it('setDelay holds every answer back: k sequential round trips take k delays longer', async () => {
    proxy = await startCountingProxy({ port: Number(new URL(redisUrl()).port) });
    client = new Redis(proxy.url, { maxRetriesPerRequest: 1 });
    await client.ping();
    proxy.setDelay(150);
    const started = performance.now();
    await client.set(`${prefix}d`, '1');
    await client.get(`${prefix}d`);
    await client.pipeline().get(`${prefix}d`).get(`${prefix}d`).exec();
    const ms = performance.now() - started;
    // Three waits of 150 ms (the pipeline is one), and not four.
    expect(ms).toBeGreaterThanOrEqual(3 * 150);
    expect(ms).toBeLessThan(4 * 150);
  });
});
