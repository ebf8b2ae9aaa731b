import { createServer } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { TokenIssuer } from '../../gateway/auth.js';
import { TEST_SECRET, closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { TestClient, fetchToken, joinAs, wsUrlOf } from '../helpers/ws-client.js';

afterEach(closeTestGateways);

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Send join_room with `token` and expect auth_error `code` followed by close `closeCode`. */
async function expectRefused(baseUrl: string, joinMsg: object, code: string, closeCode: number) {
  const client = await TestClient.open(wsUrlOf(baseUrl));
  client.send({ type: 'join_room', ...joinMsg });
  const err = await client.next('auth_error');
  expect(err.code).toBe(code);
  expect(err.message.length).toBeGreaterThan(0);
  expect((await client.closed).code).toBe(closeCode);
}

describe('token verification at join', () => {
  it('refuses tampered, wrong-audience, alg none, missing and wrong-room tokens with 4001, expired with 4003', async () => {
    const gw = await startTestGateway();
    const { realtimeToken } = await fetchToken(gw.url, 'lobby', 'alice');
    const [h, p, s] = realtimeToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${b64({ ...claims, sub: 'mallory' })}.${s}`;
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const key = new TextEncoder().encode(TEST_SECRET);
    const wrongAud = await new SignJWT({ room: 'lobby' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('other').setIssuedAt().setExpirationTime('1m').sign(key);
    const expired = await new SignJWT({ room: 'lobby' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('rtgw').setIssuedAt(now() - 120).setExpirationTime(now() - 60).sign(key);
    const otherSecret = await new SignJWT({ room: 'lobby' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('rtgw').setIssuedAt().setExpirationTime('1m').sign(new TextEncoder().encode('x'.repeat(40)));
    const noRoom = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('rtgw').setIssuedAt().setExpirationTime('1m').sign(key);

    await expectRefused(gw.url, { token: tampered }, 'token_invalid', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, { token: none }, 'token_invalid', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, { token: wrongAud }, 'token_invalid', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, { token: otherSecret }, 'token_invalid', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, { token: noRoom }, 'token_invalid', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, { token: 'not.a.jwt' }, 'token_invalid', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, {}, 'token_missing', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, { token: '' }, 'token_missing', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, { token: realtimeToken, roomId: 'elsewhere' }, 'room_mismatch', CloseCode.AUTH_FAILED);
    await expectRefused(gw.url, { token: expired }, 'token_expired', CloseCode.TOKEN_EXPIRED);

    // The gateway keeps serving others, and counted every failure.
    const { state } = await joinAs(gw.url, 'lobby', 'alice');
    expect(state.self.userId).toBe('alice');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/rtgw_auth_failures_total\{code="token_invalid",node="[^"]+"\} 6/);
  });

  it('closes a socket that sends no join_room in time with auth_timeout and 4002', async () => {
    const gw = await startTestGateway({ authTimeoutMs: 200 });
    const client = await TestClient.open(wsUrlOf(gw.url));
    client.send({ type: 'ping', ts: 1 });
    expect(await client.next('pong')).toMatchObject({ ts: 1 });
    expect(await client.next('auth_error')).toMatchObject({ code: 'auth_timeout' });
    expect((await client.closed).code).toBe(CloseCode.AUTH_TIMEOUT);
  });

  it('accepts tokens within the clock skew and honours the configured issuer', async () => {
    const gw = await startTestGateway({ jwtIssuer: 'rooms-service' });
    const key = new TextEncoder().encode(TEST_SECRET);
    const sign = (iss: string, exp: number) =>
      new SignJWT({ room: 'lobby' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setAudience('rtgw').setIssuer(iss).setIssuedAt(now() - 10).setExpirationTime(exp).sign(key);
    await expectRefused(gw.url, { token: await sign('someone-else', now() + 60) }, 'token_invalid', CloseCode.AUTH_FAILED);
    const client = await TestClient.open(wsUrlOf(gw.url));
    client.send({ type: 'join_room', token: await sign('rooms-service', now() - 2) }); // expired 2 s ago, within 5 s skew
    expect((await client.next('room_state')).self.userId).toBe('a');
  });
});

describe('token lifetime during a session', () => {
  it('ends a session whose token expires without refresh: auth_error token_expired, close 4003', async () => {
    const gw = await startTestGateway({ clockSkewS: 0 });
    const issuer = new TokenIssuer(TEST_SECRET, 'rtgw');
    // 2 s, not 1: `exp` is in whole seconds, so a 1 s token issued late in a second expires at once.
    const { token, expiresAt } = await issuer.issue({ userId: 'a', roomId: 'lobby', ttlSeconds: 2 });
    const client = await TestClient.open(wsUrlOf(gw.url));
    client.send({ type: 'join_room', token });
    await client.next('room_state');
    expect(await client.next('auth_error')).toMatchObject({ code: 'token_expired' });
    expect((await client.closed).code).toBe(CloseCode.TOKEN_EXPIRED);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  });

  it('refresh_token extends the session; a token for another room or user is refused', async () => {
    const gw = await startTestGateway({ clockSkewS: 0 });
    const issuer = new TokenIssuer(TEST_SECRET, 'rtgw');
    const short = await issuer.issue({ userId: 'a', roomId: 'lobby', ttlSeconds: 1 });
    const client = await TestClient.open(wsUrlOf(gw.url));
    client.send({ type: 'join_room', token: short.token });
    await client.next('room_state');
    const long = await issuer.issue({ userId: 'a', roomId: 'lobby', ttlSeconds: 60 });
    client.send({ type: 'refresh_token', token: long.token });
    expect(await client.next('token_refreshed')).toEqual({ type: 'token_refreshed', expiresAt: long.expiresAt });
    // Past the first token's expiry the session is still served.
    await new Promise((r) => setTimeout(r, Math.max(0, short.expiresAt - Date.now()) + 100));
    await client.sync();
    expect(client.all('auth_error')).toEqual([]);

    const otherRoom = await issuer.issue({ userId: 'a', roomId: 'elsewhere', ttlSeconds: 120 });
    client.send({ type: 'refresh_token', token: otherRoom.token });
    expect(await client.next('auth_error')).toMatchObject({ code: 'room_mismatch' });
    expect((await client.closed).code).toBe(CloseCode.AUTH_FAILED);

    const c2 = await TestClient.open(wsUrlOf(gw.url));
    c2.send({ type: 'join_room', token: long.token });
    await c2.next('room_state');
    c2.send({ type: 'refresh_token', token: (await issuer.issue({ userId: 'b', roomId: 'lobby', ttlSeconds: 120 })).token });
    expect(await c2.next('auth_error')).toMatchObject({ code: 'token_invalid' });
  });
});

describe('asymmetric keys', () => {
  it('verifies ES256 tokens with --jwt-public-key and refuses HS256 ones', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const dir = await mkdtemp(join(tmpdir(), 'rtgw-key-'));
    const file = join(dir, 'issuer.pub.pem');
    await writeFile(file, await exportSPKI(publicKey));
    const gw = await startTestGateway({ jwtSecret: undefined, jwtPublicKey: file, devIssuer: false });
    const token = await new SignJWT({ room: 'lobby', name: 'Ann' }).setProtectedHeader({ alg: 'ES256' }).setSubject('ann').setAudience('rtgw').setIssuedAt().setExpirationTime('1m').sign(privateKey);
    const client = await TestClient.open(wsUrlOf(gw.url));
    client.send({ type: 'join_room', token });
    expect((await client.next('room_state')).members[0]).toMatchObject({ userId: 'ann', displayName: 'Ann' });
    const hs = await new SignJWT({ room: 'lobby' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setAudience('rtgw').setIssuedAt().setExpirationTime('1m').sign(new TextEncoder().encode(TEST_SECRET));
    await expectRefused(gw.url, { token: hs }, 'token_invalid', CloseCode.AUTH_FAILED);
    expect((await fetch(`${gw.url}/rooms/join`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('verifies EdDSA tokens against a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    try {
      const port = (jwks.address() as { port: number }).port;
      const gw = await startTestGateway({ jwtSecret: undefined, jwksUrl: `http://127.0.0.1:${port}/jwks.json`, devIssuer: false });
      const token = await new SignJWT({ room: 'lobby' }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setSubject('eve').setAudience('rtgw').setIssuedAt().setExpirationTime('1m').sign(privateKey);
      const client = await TestClient.open(wsUrlOf(gw.url));
      client.send({ type: 'join_room', token });
      expect((await client.next('room_state')).self.userId).toBe('eve');
    } finally {
      jwks.close();
    }
  });
});
