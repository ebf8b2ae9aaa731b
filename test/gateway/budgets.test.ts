/**
 * Per-socket budgets (issue 11): join_room, refresh_token, ping and chat_send are limited before
 * any store call, so a flood costs Redis nothing past the budget; a socket that keeps on is closed
 * 4008; and liveness never waits for the store.
 *
 * Store calls are counted on a redis-server of this file's own (`INFO commandstats`), with the
 * node's heartbeat slowed so that only the requests under test reach it.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatRejectReason, CloseCode, ErrorCode } from '../../protocol/index.js';
import { RedisLink } from '../../scenarios/support/redis-link.js';
import { hsToken } from '../../scenarios/support/tokens.js';
import { TEST_SECRET, closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { TestClient, joinAs, wsUrlOf } from '../helpers/ws-client.js';

let redis: RedisServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});
afterEach(closeTestGateways);

const QUIET = { heartbeatMs: 50_000, leaseMs: 120_000, jwtSecret: TEST_SECRET };

/** Commands Redis has processed, by name (`INFO commandstats`). */
async function commands(): Promise<number> {
  const info = await admin.info('commandstats');
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
  return total;
}

/** Commands that `work` made Redis run. */
async function cost(work: () => Promise<unknown>): Promise<number> {
  const before = await commands();
  await work();
  return (await commands()) - before;
}

/**
 * Two members of the lobby: `calm` sends 5 chats (within the budget) and `flooding` 25 in one
 * burst; what each burst cost the store, awaited until its last chat is answered (f4 echoed, c24
 * refused).
 */
async function chatFlood(gwUrl: string, calm: string, flooding: string): Promise<{ five: number; flood: number; flooder: TestClient }> {
  const { client: a } = await joinAs(gwUrl, 'lobby', calm);
  const { client: b } = await joinAs(gwUrl, 'lobby', flooding);
  const five = await cost(async () => {
    for (let i = 0; i < 5; i++) a.send({ type: 'chat_send', text: `five ${i}`, clientMsgId: `f${i}` });
    await a.next('chat_broadcast', (m) => m.clientMsgId === 'f4');
  });
  const flood = await cost(async () => {
    for (let i = 0; i < 25; i++) b.send({ type: 'chat_send', text: `flood ${i}`, clientMsgId: `c${i}` });
    await b.next('chat_rejected', (m) => m.clientMsgId === 'c24');
  });
  return { five, flood, flooder: b };
}

describe('chat_send: a local pre-limit before the store', () => {
  it('a flood of 25 chats costs the store what the 5 accepted cost, and the other 20 are answered rate_limited', async () => {
    const gw = await startTestGateway({ ...QUIET, redisUrl: redis.url });
    const { five, flood, flooder: b } = await chatFlood(gw.url, 'five', 'flooder');
    expect(five).toBeGreaterThan(0);
    expect(flood).toBe(five);
    const rejected = b.all('chat_rejected');
    expect(rejected).toHaveLength(20);
    for (const r of rejected) expect(r).toMatchObject({ reason: ChatRejectReason.RATE_LIMITED });
    expect(rejected[0]!.retryAfterMs).toBeGreaterThan(0);
    expect(b.all('chat_broadcast').filter((m) => m.userId === 'flooder')).toHaveLength(5);
  });

  it('fails against a gateway with RTGW_FAULTS=no-budgets: every flooded chat costs the store', async () => {
    const gw = await startTestGateway({ ...QUIET, redisUrl: redis.url, faults: ['no-budgets'] });
    const { five, flood } = await chatFlood(gw.url, 'five-b', 'flooder-b');
    expect(flood).toBeGreaterThan(five);
  });

  it('a socket that keeps flooding chat past the limit is closed 4008', async () => {
    const gw = await startTestGateway(QUIET);
    const { client } = await joinAs(gw.url, 'lobby', 'spammer');
    for (let i = 0; i < 40; i++) client.send({ type: 'chat_send', text: `spam ${i}`, clientMsgId: `s${i}` });
    expect((await client.closed).code).toBe(CloseCode.RATE_LIMIT_ABUSE);
  });
});

describe('join_room: a budget per socket', () => {
  it('100 join_room in one burst: at most 5 room_state, the store sees at most 5 joins, then close 4008', async () => {
    const gw = await startTestGateway({ ...QUIET, redisUrl: redis.url });
    const token = await hsToken(TEST_SECRET, 'lobby', 'joiner');
    const one = await cost(async () => {
      const c = await TestClient.open(wsUrlOf(gw.url));
      c.send({ type: 'join_room', token: await hsToken(TEST_SECRET, 'lobby', 'once') });
      await c.next('room_state');
    });
    let client!: TestClient;
    const burst = await cost(async () => {
      client = await TestClient.open(wsUrlOf(gw.url));
      for (let i = 0; i < 100; i++) client.send({ type: 'join_room', token });
      expect((await client.closed).code).toBe(CloseCode.RATE_LIMIT_ABUSE);
    });
    // The 6th join is over budget and the 26th closes the socket, usually before the first join is done.
    expect(client.all('room_state').length).toBeLessThanOrEqual(5);
    expect(client.all('error').filter((e) => e.code === ErrorCode.RATE_LIMITED).length).toBeGreaterThan(0);
    // Rejoining the room it is in costs no more than a first join: 5 of them at most, plus the leave.
    expect(burst).toBeLessThanOrEqual(6 * one);
  });
});

describe('refresh_token and ping budgets', () => {
  it('a burst of refresh_token beyond 5 is answered error rate_limited without checking the tokens', async () => {
    const gw = await startTestGateway(QUIET);
    const { client } = await joinAs(gw.url, 'lobby', 'refresher');
    for (let i = 0; i < 8; i++) client.send({ type: 'refresh_token', token: await hsToken(TEST_SECRET, 'lobby', 'refresher', { ttlS: 1000 + i }) });
    await client.next('error', (e) => e.code === ErrorCode.RATE_LIMITED);
    await client.sync();
    expect(client.all('token_refreshed').length + client.all('error').length).toBe(8);
    expect(client.all('error').filter((e) => e.code === ErrorCode.RATE_LIMITED).length).toBeGreaterThanOrEqual(3);
  });

  it('a ping flood is answered up to the budget, then refused, then closed 4008', async () => {
    const gw = await startTestGateway(QUIET);
    const client = await TestClient.open(wsUrlOf(gw.url));
    for (let i = 0; i < 100; i++) client.send({ type: 'ping', ts: i });
    expect((await client.closed).code).toBe(CloseCode.RATE_LIMIT_ABUSE);
    expect(client.all('pong').length).toBeGreaterThanOrEqual(20);
    expect(client.all('pong').length).toBeLessThan(100);
  });
});

describe('liveness never waits for the store', () => {
  it('with Redis cut, a ping sent right behind a chat_send is answered at once, before the chat', async () => {
    const link = await RedisLink.start(redis.url);
    try {
      const gw = await startTestGateway({ ...QUIET, redisUrl: link.redisUrl, storeTimeoutMs: 3000 });
      const { client } = await joinAs(gw.url, 'lobby', 'pinger');
      link.cut();
      client.send({ type: 'chat_send', text: 'while Redis is away', clientMsgId: 'm1' });
      const sent = performance.now();
      client.send({ type: 'ping', ts: 42 });
      await client.next('pong', (m) => m.ts === 42, 1000);
      const pongMs = performance.now() - sent;
      expect(pongMs).toBeLessThan(1000);
      // The chat is answered too (accepted and kept for re-sync, or refused), but after the pong.
      const answer = await Promise.race([client.next('chat_broadcast', (m) => m.clientMsgId === 'm1', 10_000), client.next('chat_rejected', undefined, 10_000), client.next('error', undefined, 10_000)]);
      expect(answer).toBeDefined();
      const order = client.received.map((m) => m.type).filter((t) => t === 'pong' || t === 'chat_broadcast' || t === 'chat_rejected' || t === 'error');
      expect(order[0]).toBe('pong');
    } finally {
      link.restore();
      await link.close();
    }
  }, 30_000);
});
