import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore, MemoryStore, RedisStore, type StoreLogger } from '../gateway/store/index.js';
import type { RoomEvent } from '../gateway/store/types.js';
import { deleteKeys, redisUrl, uniquePrefix } from './helpers/redis.js';
import { freePort, REDIS_SERVER_MISSING, startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { chat, member, Recorder, storeContract, transform } from './helpers/store-contract.js';

/** Collects log lines so tests can assert on them (and the run stays quiet). */
function captureLogs(): StoreLogger & { lines: Array<{ level: string; msg: string; obj: object }> } {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  return {
    lines,
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  };
}

storeContract('redis', async () => {
  const url = redisUrl();
  const keyPrefix = uniquePrefix('contract');
  const a = new RedisStore({ url, keyPrefix, logger: captureLogs() });
  const b = new RedisStore({ url, keyPrefix, logger: captureLogs() });
  return { a, b, cleanup: () => deleteKeys(url, keyPrefix) };
});

describe('RedisStore', () => {
  describe('on the shared Redis', () => {
    let url: string;
    let keyPrefix: string;
    let store: RedisStore;
    let raw: Redis;

    beforeAll(async () => {
      url = redisUrl();
      raw = new Redis(url);
    });
    afterAll(async () => {
      await raw.quit();
    });
    afterEach(async () => {
      await store.close();
      await deleteKeys(url, keyPrefix);
    });

    async function started(): Promise<RedisStore> {
      keyPrefix = uniquePrefix('redis');
      store = new RedisStore({ url, keyPrefix, logger: captureLogs() });
      await store.start(new Recorder());
      return store;
    }

    it('keeps the documented key layout', async () => {
      const s = await started();
      const p = keyPrefix;
      await s.addMember('r1', member('u1', { nodeId: 'n1' }), 10);
      await s.saveTransforms([{ roomId: 'r1', userId: 'u1', transform: transform(1) }]);
      await s.appendChat(chat(1));
      await s.takeChatSlot('u1', 1_000, 5, 10_000);
      await s.setBlocked('u1', 'u2', true);
      await s.heartbeat('n1');

      expect(JSON.parse((await raw.hget(`${p}{room:r1}:members`, 'u1'))!)).toEqual(member('u1', { nodeId: 'n1' }));
      expect(JSON.parse((await raw.hget(`${p}{room:r1}:transforms`, 'u1'))!)).toEqual(transform(1));
      expect((await raw.lrange(`${p}{room:r1}:chat`, 0, -1)).map((m) => JSON.parse(m))).toEqual([chat(1)]);
      expect(await raw.pttl(`${p}{room:r1}:chat`)).toBeGreaterThan(23 * 3600 * 1000);
      expect(await raw.smembers(`${p}rooms`)).toEqual(['r1']);
      expect(await raw.zrange(`${p}chatrate:{u1}`, 0, -1, 'WITHSCORES')).toEqual([expect.stringMatching(/^1000:/), '1000']);
      expect(await raw.pttl(`${p}chatrate:{u1}`)).toBeGreaterThan(9_000);
      expect(await raw.smembers(`${p}blocks:{u1}`)).toEqual(['u2']);
      const [leased, score] = await raw.zrange(`${p}nodes`, 0, -1, 'WITHSCORES');
      // The lease is scored on Redis time (TIME), not on the node's clock.
      const [seconds, micros] = await raw.time();
      expect(leased).toBe('n1');
      expect(Math.abs(Number(score) - (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)))).toBeLessThan(5_000);
      expect(await raw.smembers(`${p}node:{n1}:rooms`)).toEqual(['r1']);
      expect(await raw.hgetall(`${p}{room:r1}:bynode`)).toEqual({ n1: '1' });
      expect((await raw.keys(`${p}*`)).sort()).toEqual(
        [
          `${p}blocks:{u1}`,
          `${p}chatrate:{u1}`,
          `${p}node:{n1}:rooms`,
          `${p}nodes`,
          `${p}rooms`,
          `${p}{room:r1}:bynode`,
          `${p}{room:r1}:chat`,
          `${p}{room:r1}:members`,
          `${p}{room:r1}:transforms`,
        ].sort(),
      );
    });

    it('publishes room events and blocklist changes on the documented channels', async () => {
      const s = await started();
      const listener = new Redis(url);
      try {
        const received: Array<[string, string]> = [];
        const arrived = new Promise<void>((resolve) =>
          listener.on('message', (channel: string, message: string) => {
            received.push([channel, message]);
            if (received.length === 2) resolve();
          }),
        );
        await listener.subscribe(`${keyPrefix}{room:r1}:events`, `${keyPrefix}blocks`);
        const event: RoomEvent = { kind: 'member_left', origin: 'n1', userId: 'u1', reason: 'left' };
        s.publish('r1', event);
        await s.setBlocked('u1', 'u2', true);
        await arrived;
        expect(received).toEqual([
          [`${keyPrefix}{room:r1}:events`, JSON.stringify(event)],
          [`${keyPrefix}blocks`, 'u1'],
        ]);
      } finally {
        await listener.quit();
      }
    });

    it("a node's room set forgets a room once the node has no member left there", async () => {
      const s = await started();
      const nodeRooms = `${keyPrefix}node:{n1}:rooms`;
      await s.addMember('r1', member('u1', { nodeId: 'n1' }), 10);
      await s.addMember('r1', member('u2', { nodeId: 'n1' }), 10);
      await s.addMember('r2', member('u3', { nodeId: 'n1' }), 10);
      await s.removeMember('r1', 'u1', 'session-u1');
      expect((await raw.smembers(nodeRooms)).sort()).toEqual(['r1', 'r2']);
      await s.removeMember('r1', 'u2', 'session-u2');
      expect(await raw.smembers(nodeRooms)).toEqual(['r2']);
      // A member moving to another node takes the room out of its old node's set.
      await s.addMember('r2', member('u3', { nodeId: 'n2', sessionId: 'session-2' }), 10);
      expect(await raw.exists(nodeRooms)).toBe(0);
      expect(await raw.smembers(`${keyPrefix}node:{n2}:rooms`)).toEqual(['r2']);
    });

    it('publish before start or after close logs instead of throwing', async () => {
      keyPrefix = uniquePrefix('redis');
      const logs = captureLogs();
      store = new RedisStore({ url, keyPrefix, logger: logs });
      const event: RoomEvent = { kind: 'member_left', origin: 'n1', userId: 'u1', reason: 'left' };
      expect(() => store.publish('r1', event)).not.toThrow();
      await expect(store.getRoom('r1')).rejects.toThrow('RedisStore is not started');
      await store.start(new Recorder());
      await store.close();
      expect(() => store.publish('r1', event)).not.toThrow();
      await expect(store.getRoom('r1')).rejects.toThrow('RedisStore is closed');
      expect(logs.lines.map((line) => line.msg)).toEqual(['room event not published: store not running']);
    });
  });

  it('start rejects with an Error naming the URL when Redis is unreachable', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const store = new RedisStore({ url, keyPrefix: 'x:', logger: captureLogs(), connectTimeoutMs: 300 });
    const started = performance.now();
    await expect(store.start(new Recorder())).rejects.toThrow(
      new RegExp(`^Redis at ${url} is unreachable: not ready within 300 ms \\(last error: connect ECONNREFUSED`),
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await store.checkReady(100)).toBe(false);
    await store.close();
  });

  it('the error names the URL without its password', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://:hunter2@127.0.0.1:${port}`, keyPrefix: 'x:', logger: captureLogs(), connectTimeoutMs: 100 });
    await expect(store.start(new Recorder())).rejects.toThrow(`Redis at redis://:***@127.0.0.1:${port} is unreachable`);
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => new RedisStore({ url: 'http://localhost:6379', keyPrefix: 'x:' })).toThrow(
      new TypeError('RedisStore: url must start with redis:// or rediss://'),
    );
    expect(() => new RedisStore({ url: 'not a url', keyPrefix: 'x:' })).toThrow(TypeError);
    expect(() => new RedisStore({ url: 'redis://localhost', keyPrefix: '{x}:' })).toThrow(
      new TypeError('RedisStore: keyPrefix must not contain "{" or "}" (it would change the hash slot of every key)'),
    );
  });

  it('createStore picks RedisStore for a URL and MemoryStore without one, connecting nothing', () => {
    expect(createStore({ redisUrl: 'redis://127.0.0.1:1', keyPrefix: 'x:' })).toBeInstanceOf(RedisStore);
    expect(createStore({ keyPrefix: 'x:' })).toBeInstanceOf(MemoryStore);
  });

  it('startRedisServer says how to install redis-server when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startRedisServer()).rejects.toThrow(REDIS_SERVER_MISSING);
    } finally {
      process.env.PATH = path;
    }
    expect(REDIS_SERVER_MISSING).toContain('apt-get install redis-server');
  });

  describe('when its Redis restarts', () => {
    let server: RedisServer;
    let a: RedisStore;
    let b: RedisStore;
    const ra = new Recorder();
    const rb = new Recorder();
    const logsA = captureLogs();

    beforeAll(async () => {
      server = await startRedisServer();
      a = new RedisStore({ url: server.url, keyPrefix: 'restart:', logger: logsA });
      b = new RedisStore({ url: server.url, keyPrefix: 'restart:', logger: captureLogs() });
      await a.start(ra);
      await b.start(rb);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await server?.stop();
    });

    const event = (n: number): RoomEvent => ({ kind: 'chat', origin: 'node-a', message: chat(n) });

    it('reports the loss once, fails fast while down, and restores subscriptions on return', async () => {
      await b.subscribeRoom('r1');
      expect(await a.checkReady(1_000)).toBe(true);

      const stopAt = performance.now();
      await server.stop();
      await Promise.all([ra.until('a disconnected', () => ra.disconnected === 1), rb.until('b disconnected', () => rb.disconnected === 1)]);
      const noticedIn = performance.now() - stopAt;
      expect(noticedIn).toBeLessThan(1_000);

      // While down: commands reject at once, readiness is false within its timeout, publish only logs.
      const downAt = performance.now();
      await expect(a.getRoom('r1')).rejects.toThrow();
      await expect(a.addMember('r1', member('u1'), 10)).rejects.toThrow();
      await expect(a.saveTransforms([{ roomId: 'r1', userId: 'u1', transform: transform(1) }])).rejects.toThrow();
      await expect(a.takeChatSlot('u1', 1, 5, 10_000)).rejects.toThrow();
      expect(performance.now() - downAt).toBeLessThan(100);
      const checkAt = performance.now();
      expect(await a.checkReady(300)).toBe(false);
      expect(performance.now() - checkAt).toBeLessThan(400);
      expect(() => a.publish('r1', event(0))).not.toThrow();
      // A room subscribed during the outage is subscribed on return.
      await b.subscribeRoom('r2');

      const restartAt = performance.now();
      await server.restart();
      await Promise.all([ra.until('a reconnected', () => ra.reconnected === 1, 5_000), rb.until('b reconnected', () => rb.reconnected === 1, 5_000)]);
      const reconnectedIn = performance.now() - restartAt;
      expect(reconnectedIn).toBeLessThan(2_500);
      expect([ra.disconnected, rb.disconnected]).toEqual([1, 1]);

      expect(await a.checkReady(1_000)).toBe(true);
      a.publish('r1', event(1));
      a.publish('r2', event(2));
      await rb.until('both events on b', () => rb.roomEvents.length === 2);
      expect(rb.roomEvents).toEqual([
        { roomId: 'r1', event: event(1) },
        { roomId: 'r2', event: event(2) },
      ]);
      await a.setBlocked('u1', 'u2', true);
      await rb.until('the blocklist change on b', () => rb.blocksChanged.length === 1);
      expect(rb.blocksChanged).toEqual(['u1']);
      expect(logsA.lines.some((line) => line.msg === 'room event not published')).toBe(true);

    });

    it('a command in flight when the connection drops rejects at once instead of being replayed', async () => {
      // BLPOP with no timeout stays in flight until the connection goes. (It also holds up the
      // command connection, so readiness is watched from a separate client.)
      const blocked = (a as unknown as { backend: { cmd: Redis } }).backend.cmd.blpop('restart:in-flight', 0);
      const outcome = blocked.then(
        () => 'resolved',
        (err: Error) => err.message,
      );
      const watcher = new Redis(server.url);
      try {
        let info = '';
        for (let attempt = 0; attempt < 100 && !/blocked_clients:1\b/.test(info); attempt++) info = await watcher.info('clients');
        expect(info).toMatch(/blocked_clients:1\b/);
      } finally {
        await watcher.quit();
      }
      const stopAt = performance.now();
      await server.stop();
      // ioredis's wording for "the connection dropped and this command will not be resent".
      expect(await outcome).toMatch(/^Reached the max retries per request limit \(which is 0\)/);
      expect(performance.now() - stopAt).toBeLessThan(500);
      await server.restart();
      await ra.until('a reconnected again', () => ra.reconnected === 2, 5_000);
      expect(await a.checkReady(1_000)).toBe(true);
    });
  });
});
