/**
 * Edges of the WebSocket protocol an abuse run found, at the byte level (test/helpers/raw-socket.ts):
 * many ping frames in one TCP write, and an upgrade over HTTP/1.0.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { Opcode, RawWebSocket, clientFrame, closeOf } from '../helpers/raw-socket.js';
import { joinAs } from '../helpers/ws-client.js';

const sockets: RawWebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await closeTestGateways();
});

async function open(port: number, options?: Parameters<typeof RawWebSocket.open>[1]): Promise<RawWebSocket> {
  const raw = await RawWebSocket.open(port, options);
  sockets.push(raw);
  return raw;
}

/** `n` masked ping frames with payloads p0, p1, ... as one buffer (so one TCP write). */
const pings = (n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => clientFrame(Opcode.PING, `p${i}`)));
const payloads = (frames: { payload: Buffer }[]) => frames.map((f) => f.payload.toString());
const expected = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

/** A logger whose JSON lines the test can read. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('WebSocket ping frames', () => {
  it.each([61, 100])('%i ping frames in one TCP write are each answered with a pong carrying its payload, and the socket stays open', async (n) => {
    const gw = await startTestGateway();
    const raw = await open(gw.port);
    expect((await raw.response()).status).toBe(101);
    raw.write(pings(n));
    expect(payloads(await raw.framesOf(Opcode.PONG, n))).toEqual(expected(n));
    // Still a working socket: a JSON ping gets its pong.
    raw.write(clientFrame(Opcode.TEXT, '{"type":"ping","ts":7}'));
    const [reply] = await raw.framesOf(Opcode.TEXT, 1);
    expect(JSON.parse(reply!.payload.toString())).toMatchObject({ type: 'pong', ts: 7 });
    expect(raw.socket.destroyed).toBe(false);
  });

  it('past 100 ping frames in 10 s the gateway answers the first 100, then closes 4008 with a close frame and a log line', async () => {
    const { logger, lines } = capturedLogger();
    const gw = await startTestGateway({ logger });
    const raw = await open(gw.port);
    expect((await raw.response()).status).toBe(101);
    raw.write(pings(150));
    const [closeFrame] = await raw.framesOf(Opcode.CLOSE, 1);
    expect(payloads(raw.frames.filter((f) => f.opcode === Opcode.PONG))).toEqual(expected(100));
    expect(closeOf(closeFrame!)).toEqual({ code: CloseCode.RATE_LIMIT_ABUSE, reason: 'ping flood' });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'ping frame flood: closing 4008', limit: 100 }));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^rtgw_connections_closed_total\{reason="ping_flood",node="[^"]+"\} 1$/m);
  });

  it('a joined member closed for a ping flood leaves at once, as kicked; the others carry on', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    await alice.next('member_joined');
    // bob's own socket, driven at the byte level: ping frames straight onto its TCP connection.
    (bob.ws as unknown as { _socket: import('node:net').Socket })._socket.write(pings(101));
    expect((await bob.closed).code).toBe(CloseCode.RATE_LIMIT_ABUSE);
    expect(await alice.next('member_left')).toMatchObject({ userId: 'bob', reason: 'kicked' });
    alice.send({ type: 'chat_send', text: 'still here' });
    expect((await alice.next('chat_broadcast')).text).toBe('still here');
  });

  it('fails against ws\'s own automatic pong (RTGW_FAULTS=ws-auto-pong): 60 pongs, then the connection is dropped without a close frame', async () => {
    const gw = await startTestGateway({ faults: ['ws-auto-pong'] });
    const raw = await open(gw.port);
    expect((await raw.response()).status).toBe(101);
    raw.write(pings(61));
    const { closeFrame } = await raw.ended;
    expect(payloads(raw.frames.filter((f) => f.opcode === Opcode.PONG))).toEqual(expected(60));
    expect(closeFrame).toBeUndefined();
  });
});

describe('upgrade requests', () => {
  it.each(['1.0'])('an upgrade over HTTP/%s is refused 400 with a JSON error, and counted', async (version) => {
    const gw = await startTestGateway();
    const raw = await open(gw.port, { httpVersion: version });
    const res = await raw.response();
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'bad_request', message: `a WebSocket upgrade needs HTTP/1.1 or later, not HTTP/${version}` } });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^rtgw_connections_refused_total\{reason="http_version",node="[^"]+"\} 1$/m);
  });

  it('the same request over HTTP/1.1 is upgraded (101)', async () => {
    const gw = await startTestGateway();
    const raw = await open(gw.port, { httpVersion: '1.1' });
    expect((await raw.response()).status).toBe(101);
  });

  it('an upgrade on another path is refused 404 with a JSON error', async () => {
    const gw = await startTestGateway();
    const raw = await open(gw.port, { path: '/socket' });
    const res = await raw.response();
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'not_found', message: 'no WebSocket endpoint at /socket; use /realtime' } });
  });
});
