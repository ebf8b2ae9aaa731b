/**
 * Issue 10, cases 6, 7 and 8: idempotent chat across a reconnect, an answer for every chat_send,
 * JWKS outages told apart from bad tokens, and tokens issued in the future.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { assertConverged } from '../../scenarios/support/convergence.js';
import { spawnGateway, type GatewayProcess } from '../../scenarios/support/gateway-process.js';
import { hsToken } from '../../scenarios/support/tokens.js';
import { TrackedClient } from '../../scenarios/support/tracked-client.js';
import { TEST_SECRET } from '../helpers/gateway.js';
import { freePort } from '../helpers/redis-server.js';
import { Cluster } from './cluster.js';

let cluster: Cluster | undefined;
const processes: GatewayProcess[] = [];
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await Promise.all(processes.splice(0).map((p) => p.kill()));
});

const within = <T>(ms: number, p: Promise<T>, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))]);

describe('idempotent chat', () => {
  it('a resend with the same clientMsgId after a reconnect is answered with the original echo and appears once', async () => {
    cluster = new Cluster('fault-chat-resend');
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const observer = await cluster.join(b, 'lobby', 'observer');
    const first = await cluster.join(a, 'lobby', 'sender', 'sender-1');
    const original = await first.sendChat('resend: only once', 'msg-1');
    expect(original).toMatchObject({ accepted: true });
    const id = original.accepted ? original.message.id : '';
    first.kill(); // the SDK did not see the echo in time: it resends after reconnecting
    const second = await cluster.join(b, 'lobby', 'sender', 'sender-2');
    const again = await within(5000, second.sendChat('resend: only once', 'msg-1'), 'the resend');
    expect(again).toMatchObject({ accepted: true, message: { id, text: 'resend: only once', clientMsgId: 'msg-1' } });
    // node-a's copy comes through Redis pub/sub, which may lag behind node-b's own work: await it.
    await observer.next('chat_broadcast', (m) => m.text === 'resend: only once');
    await observer.sync();
    expect(observer.all('chat_broadcast').filter((m) => m.text === 'resend: only once').map((m) => m.id)).toEqual([id]);
    await cluster.converge();
  }, 60_000);

  it('a message sent just before the socket dies, resent on another node, is in history once', async () => {
    cluster = new Cluster('fault-chat-race');
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const observer = await cluster.join(b, 'lobby', 'observer');
    const first = await cluster.join(a, 'lobby', 'sender', 'sender-1');
    void first.sendChat('race: sent as the socket died', 'msg-race');
    first.kill();
    const second = await cluster.join(b, 'lobby', 'sender', 'sender-2');
    second.adoptPending(first);
    const answer = await within(5000, second.sendChat('race: after the reconnect', 'msg-after'), 'the next chat');
    expect(answer).toMatchObject({ accepted: true });
    await within(5000, second.sync(), 'sync');
    expect(second.pending.size).toBe(0); // the resend was answered too
    await observer.sync();
    await cluster.converge();
  }, 60_000);

  it('every chat_send is answered, accepted or rejected, even past the rate limit', async () => {
    cluster = new Cluster('fault-chat-answers');
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const onA = await cluster.join(a, 'lobby', 'chatty');
    await cluster.join(b, 'lobby', 'listener');
    const answers = await within(5000, Promise.all(Array.from({ length: 8 }, (_, i) => onA.sendChat(`answers: ${i}`, `c${i}`))), 'eight chats');
    expect(answers.filter((x) => x.accepted)).toHaveLength(5);
    expect(answers.filter((x) => !x.accepted).map((x) => (x.accepted ? '' : x.reason))).toEqual(['rate_limited', 'rate_limited', 'rate_limited']);
    await cluster.converge();
  }, 60_000);
});

describe('authentication: infrastructure failures are not bad tokens', () => {
  it('with the JWKS unreachable, join_room ends with 1011 or 1013 (retry), never 4001', async () => {
    const closedPort = await freePort();
    const node = await spawnGateway({
      args: ['--port', '0', '--jwks-url', `http://127.0.0.1:${closedPort}/jwks.json`, '--no-dev-issuer'],
      env: { RTGW_LOG_LEVEL: 'warn', RTGW_JWT_SECRET: '' },
    });
    processes.push(node);
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ room: 'lobby' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('eve').setAudience('rtgw').setIssuedAt().setExpirationTime('10m').sign(privateKey);
    const eve = await TrackedClient.open(`${node.url.replace(/^http/, 'ws')}/realtime`, 'eve');
    eve.send({ type: 'join_room', token });
    const closed = await within(15_000, eve.closed, 'the close');
    expect([CloseCode.INTERNAL_ERROR, CloseCode.TRY_AGAIN_LATER]).toContain(closed.code);
    expect(eve.all('auth_error')).toEqual([]);
    await assertConverged({ clients: [eve], rooms: ['lobby'], nodes: [], token: () => Promise.reject(new Error('no issuer')) });
  }, 30_000);

  it('a token whose iat is a year in the future is refused: auth_error token_invalid, close 4001', async () => {
    cluster = new Cluster('fault-future-iat');
    const a = await cluster.node('node-a');
    const witness = await cluster.join(a, 'lobby', 'witness');
    const future = Math.floor(Date.now() / 1000) + 365 * 86_400;
    const client = await cluster.open(a, 'time-traveller');
    client.send({ type: 'join_room', token: await hsToken(TEST_SECRET, 'lobby', 'time-traveller', { iat: future, ttlS: 900 }) });
    expect(await client.next('auth_error')).toMatchObject({ code: 'token_invalid' });
    expect((await client.closed).code).toBe(CloseCode.AUTH_FAILED);
    await witness.sync();
    expect(witness.all('member_joined')).toEqual([]);
    await cluster.converge();
  }, 30_000);
});
