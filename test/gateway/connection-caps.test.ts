/**
 * Caps on open connections (gateway/connection-limits.ts): global, per client address and of
 * sockets not yet joined, decided before the upgrade; beyond them 503 + Retry-After + a JSON body,
 * and every refusal counted by reason in /metrics. Flood sockets come from other loopback
 * addresses (127.0.0.2, ...), so the honest client on 127.0.0.1 is a different address.
 */
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { clientAddress } from '../../gateway/connection-limits.js';
import { CloseCode } from '../../protocol/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { Opcode, RawWebSocket, closeOf } from '../helpers/raw-socket.js';
import { joinAs } from '../helpers/ws-client.js';

const sockets: RawWebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await closeTestGateways();
});

/** Open `n` upgrade requests at once from `localAddress`; resolves with each one's status. */
async function flood(port: number, n: number, localAddress: string, headers?: Record<string, string>): Promise<{ statuses: number[]; refused: RawWebSocket[] }> {
  const opened = await Promise.all(Array.from({ length: n }, () => RawWebSocket.open(port, { localAddress, headers })));
  sockets.push(...opened);
  const responses = await Promise.all(opened.map((s) => s.response()));
  return { statuses: responses.map((r) => r.status), refused: opened.filter((_, i) => responses[i]!.status !== 101) };
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

async function metric(url: string, name: string, reason?: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const labels = reason ? `\\{reason="${reason}",node="[^"]+"\\}` : '\\{node="[^"]+"\\}';
  const m = new RegExp(`^${name}${labels} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${name}${reason ? `{reason="${reason}"}` : ''} in /metrics`);
  return Number(m[1]);
}

describe('connection caps', () => {
  it('a flood from one address beyond --max-connections-per-ip (default 100) is refused 503 + Retry-After, while an honest client joins within 1 s', async () => {
    const gw = await startTestGateway();
    const flooding = flood(gw.port, 300, '127.0.0.2');
    const started = Date.now();
    const { state } = await joinAs(gw.url, 'lobby', 'honest'); // during the flood
    const joinMs = Date.now() - started;
    const { statuses, refused } = await flooding;
    expect(count(statuses, 101)).toBe(100);
    expect(count(statuses, 503)).toBe(200);
    expect(state.self.userId).toBe('honest');
    expect(joinMs).toBeLessThan(1000);
    const answer = await refused[0]!.response();
    expect(answer.headers['retry-after']).toBe('10');
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'max_connections_per_ip', message: 'this node holds --max-connections-per-ip (100) connections; try again later' } });
    expect(await metric(gw.url, 'rtgw_connections_refused_total', 'max_connections_per_ip')).toBe(200);
    console.log(`honest join during a 300-socket flood: ${joinMs} ms`);
  });

  it('a socket that closes frees its place: the next one from that address is admitted', async () => {
    const gw = await startTestGateway({ maxConnectionsPerIp: 3 });
    const first = await flood(gw.port, 3, '127.0.0.2');
    expect(first.statuses).toEqual([101, 101, 101]);
    expect((await flood(gw.port, 1, '127.0.0.2')).statuses).toEqual([503]);
    const leaving = sockets[0]!;
    leaving.destroy();
    await leaving.ended;
    // The gateway sees the close a moment later; the first attempt after it is admitted.
    let status = 503;
    for (let i = 0; i < 50 && status === 503; i++) status = (await flood(gw.port, 1, '127.0.0.2')).statuses[0]!;
    expect(status).toBe(101);
  });

  it('sockets that have not joined are capped by --max-unauthenticated (Retry-After 5); joined ones do not count', async () => {
    const gw = await startTestGateway({ maxUnauthenticated: 10 });
    const { client: joined } = await joinAs(gw.url, 'lobby', 'member'); // counted until its room_state, then not
    const first = await flood(gw.port, 10, '127.0.0.3');
    expect(count(first.statuses, 101)).toBe(10);
    expect(await metric(gw.url, 'rtgw_connections_unauthenticated')).toBe(10);
    const more = await flood(gw.port, 5, '127.0.0.4');
    expect(more.statuses).toEqual([503, 503, 503, 503, 503]);
    const answer = await more.refused[0]!.response();
    expect(answer.headers['retry-after']).toBe('5');
    expect(JSON.parse(answer.body).error.code).toBe('max_unauthenticated');
    expect(await metric(gw.url, 'rtgw_connections_refused_total', 'max_unauthenticated')).toBe(5);
    await joined.sync(); // the joined member is served throughout
  });

  it('sockets that never join free their place at the auth timeout', async () => {
    const gw = await startTestGateway({ maxUnauthenticated: 5, authTimeoutMs: 300 });
    const first = await flood(gw.port, 5, '127.0.0.3');
    expect(count(first.statuses, 101)).toBe(5);
    expect((await flood(gw.port, 1, '127.0.0.3')).statuses).toEqual([503]);
    // Each gets auth_error and close 4002; a client that then hangs up frees its place.
    const idle = sockets.slice(0, 5);
    for (const s of idle) expect(closeOf((await s.framesOf(Opcode.CLOSE, 1))[0]!).code).toBe(CloseCode.AUTH_TIMEOUT);
    idle.forEach((s) => s.destroy());
    let status = 503;
    for (let i = 0; i < 50 && status === 503; i++) status = (await flood(gw.port, 1, '127.0.0.3')).statuses[0]!;
    expect(status).toBe(101);
  });

  it('beyond --max-connections every address is refused 503 max_connections (Retry-After 10)', async () => {
    const gw = await startTestGateway({ maxConnections: 4 });
    expect(count((await flood(gw.port, 4, '127.0.0.5')).statuses, 101)).toBe(4);
    const refused = await flood(gw.port, 2, '127.0.0.6');
    expect(refused.statuses).toEqual([503, 503]);
    const answer = await refused.refused[0]!.response();
    expect(answer.headers['retry-after']).toBe('10');
    expect(JSON.parse(answer.body).error).toEqual({ code: 'max_connections', message: 'this node holds --max-connections (4) connections; try again later' });
    expect(await metric(gw.url, 'rtgw_connections_refused_total', 'max_connections')).toBe(2);
  });

  it('every refusal reason has a series in /metrics from the start', async () => {
    const gw = await startTestGateway();
    for (const reason of ['not_found', 'shutting_down', 'http_version', 'max_connections', 'max_connections_per_ip', 'max_unauthenticated']) {
      expect(await metric(gw.url, 'rtgw_connections_refused_total', reason)).toBe(0);
    }
    for (const reason of ['slow_consumer', 'ping_flood']) expect(await metric(gw.url, 'rtgw_connections_closed_total', reason)).toBe(0);
  });

  it('behind a trusted proxy, connections count under the X-Forwarded-For client; from anyone else the header is ignored', async () => {
    const gw = await startTestGateway({ maxConnectionsPerIp: 2, trustedProxies: ['127.0.0.7'] });
    const viaProxy = (client: string) => flood(gw.port, 1, '127.0.0.7', { 'X-Forwarded-For': client });
    expect([(await viaProxy('203.0.113.7')).statuses[0], (await viaProxy('203.0.113.7')).statuses[0]]).toEqual([101, 101]);
    expect((await viaProxy('203.0.113.7')).statuses).toEqual([503]);
    expect((await viaProxy('203.0.113.8')).statuses).toEqual([101]);
    // Not a trusted proxy: a forged header changes nothing, 127.0.0.8 is the client.
    const forged = await Promise.all(['198.51.100.1', '198.51.100.2', '198.51.100.3'].map((c) => flood(gw.port, 1, '127.0.0.8', { 'X-Forwarded-For': c })));
    expect(forged.map((f) => f.statuses[0]).sort()).toEqual([101, 101, 503]);
  });
});

describe('clientAddress', () => {
  const req = (remoteAddress: string, forwardedFor?: string) => ({ socket: { remoteAddress }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;
  const none = new Set<string>();

  it('counts an IPv4 client by its address, also when it arrives IPv4-mapped on a dual-stack socket', () => {
    expect(clientAddress(req('192.0.2.1'), none)).toBe('192.0.2.1');
    expect(clientAddress(req('::ffff:192.0.2.1'), none)).toBe('192.0.2.1');
  });

  it('counts an IPv6 client by its /64', () => {
    expect(clientAddress(req('2001:db8:1:2:aaaa::1'), none)).toBe('2001:db8:1:2::/64');
    expect(clientAddress(req('2001:db8:1:2:ffff:ffff:ffff:ffff'), none)).toBe('2001:db8:1:2::/64');
    expect(clientAddress(req('2001:db8::1'), none)).toBe('2001:db8:0:0::/64');
    expect(clientAddress(req('::1'), none)).toBe('0:0:0:0::/64');
    expect(clientAddress(req('fe80::1%eth0'), none)).toBe('fe80:0:0:0::/64');
  });

  it('through trusted proxies, takes the last X-Forwarded-For hop that is not one of them', () => {
    const proxies = new Set(['10.0.0.10', '10.0.0.11']);
    expect(clientAddress(req('10.0.0.10', '203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(req('10.0.0.10', '198.51.100.9, 203.0.113.7, 10.0.0.11'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(req('10.0.0.10'), proxies)).toBe('10.0.0.10');
    expect(clientAddress(req('10.0.0.10', 'garbage, 203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(req('10.0.0.10', 'garbage'), proxies)).toBe('10.0.0.10');
    expect(clientAddress(req('192.0.2.1', '203.0.113.7'), proxies)).toBe('192.0.2.1');
  });
});
