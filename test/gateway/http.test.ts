import { afterEach, describe, expect, it } from 'vitest';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';

afterEach(closeTestGateways);

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('HTTP routes', () => {
  it('POST /rooms/join mints a token for valid ids, with the WebSocket URL the client reached', async () => {
    const gw = await startTestGateway({ tokenTtlSeconds: 120 });
    const res = await post(`${gw.url}/rooms/join`, { roomId: 'lobby', userId: 'alice', displayName: 'Alice', device: 'mobile' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ roomId: 'lobby', userId: 'alice', wsUrl: `ws://127.0.0.1:${gw.port}/realtime` });
    expect(body.expiresAt).toBeGreaterThan(Date.now() + 110_000);
    const claims = JSON.parse(Buffer.from(String(body.realtimeToken).split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'alice', room: 'lobby', name: 'Alice', device: 'mobile', aud: 'rtgw' });
  });

  it.each([
    [{ roomId: 'a b', userId: 'alice' }, /roomId/],
    [{ roomId: 'lobby', userId: 'x'.repeat(65) }, /userId/],
    [{ roomId: 'lobby' }, /userId/],
    [{ roomId: 'lobby', userId: 'a', device: 'tablet' }, /device/],
    [{ roomId: 'lobby', userId: 'a', displayName: '' }, /displayName/],
    ['{oops', /not valid JSON/],
    ['', /JSON body is required/],
  ])('POST /rooms/join refuses %j with 400 and a JSON error', async (body, message) => {
    const gw = await startTestGateway();
    const res = await post(`${gw.url}/rooms/join`, body);
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('bad_request');
    expect(err.error.message).toMatch(message);
  });

  it('without the development issuer, POST /rooms/join is 404', async () => {
    const gw = await startTestGateway({ devIssuer: false });
    const res = await post(`${gw.url}/rooms/join`, { roomId: 'lobby', userId: 'a' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('production configuration turns the issuer off and refuses to start without a key', async () => {
    await expect(startTestGateway({ production: true, jwtSecret: undefined })).rejects.toThrow(/production needs a verification key/);
    const gw = await startTestGateway({ production: true });
    expect(gw.config.devIssuer).toBe(false);
    expect((await post(`${gw.url}/rooms/join`, { roomId: 'lobby', userId: 'a' })).status).toBe(404);
  });

  it('/healthz and /readyz answer 200 with JSON; unknown routes 404, wrong methods 405', async () => {
    const gw = await startTestGateway();
    expect(await (await fetch(`${gw.url}/healthz`)).json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: 'memory' });
    expect((await fetch(`${gw.url}/nope`)).status).toBe(404);
    expect((await post(`${gw.url}/healthz`, {})).status).toBe(405);
    expect((await fetch(`${gw.url}/rooms/join`)).status).toBe(405);
  });

  it('/metrics exposes connections, rooms, members, messages by type, drops and event-loop delay', async () => {
    const gw = await startTestGateway();
    const { joinAs } = await import('../helpers/ws-client.js');
    const { client } = await joinAs(gw.url, 'lobby', 'alice');
    client.sendRaw('nonsense');
    await client.next('error');
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/^rtgw_connections\{node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^rtgw_rooms\{node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^rtgw_members\{node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^rtgw_messages_in_total\{type="join_room",node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^rtgw_messages_out_total\{type="room_state",node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^rtgw_drops_total\{reason="bad_message",node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^rtgw_event_loop_delay_p99_seconds\{node="[^"]+"\} [0-9.e-]+$/m);
  });

  it('admin routes need the admin token: 401 JSON without or with a wrong one', async () => {
    const gw = await startTestGateway({ adminToken: 'admin-secret-token' });
    const put = (auth?: string) =>
      fetch(`${gw.url}/admin/blocks`, { method: 'PUT', headers: auth ? { authorization: `Bearer ${auth}` } : {}, body: JSON.stringify({ userId: 'a', blockedUserId: 'b' }) });
    const missing = await put();
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await put('wrong')).status).toBe(401);
    const ok = await put('admin-secret-token');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ userId: 'a', blocked: ['b'] });
  });

  it('WebSocket upgrades on other paths are refused with 404', async () => {
    const gw = await startTestGateway();
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/elsewhere`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});
