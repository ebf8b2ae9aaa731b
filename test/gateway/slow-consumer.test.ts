/**
 * A socket that stops reading while it keeps sending join_room and ping: the gateway must not
 * buffer for it without bound. Run against a real `rtgw serve` child (needs `npm run build`), whose
 * RSS is read from /proc/<pid>/status.
 *
 * The per-socket budgets (join_room, ping) would close such a client 4008 long before its buffer
 * grew, so these tests switch them off (RTGW_FAULTS=no-budgets): the outbound cap must hold on its
 * own, as it must for a big room whose room_state and chat a stalled reader stops taking in.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../protocol/index.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway.js';
import { fetchToken, joinAs, wsUrlOf } from '../helpers/ws-client.js';

const MiB = 1024 * 1024;
const children: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()));
});

function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

/** Resolves with the first JSON log line of `gw` whose msg is `msg`. */
function logLine(gw: GatewayProcess, msg: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    createInterface({ input: gw.child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === msg) resolve(entry);
    });
  });
}

/** A room with a full chat history (50 x 240 characters), so that every room_state is some 15 KB. */
async function busyRoom(url: string, roomId: string): Promise<void> {
  for (let u = 0; u < 10; u++) {
    const { client } = await joinAs(url, roomId, `talker-${u}`);
    for (let i = 0; i < 5; i++) client.send({ type: 'chat_send', text: `${u}.${i} ${'x'.repeat(230)}`, clientMsgId: `m${i}` });
    for (let i = 0; i < 5; i++) await client.next('chat_broadcast', (m) => m.clientMsgId === `m${i}`);
    client.kill();
  }
}

interface Run {
  closed: boolean;
  elapsedMs: number;
  rssGrowth: number;
  logged?: Record<string, unknown>;
  ws: WebSocket;
}

/**
 * Open a socket, stop reading at once, and send join_room and ping as fast as the socket takes them
 * until `afterCloseMs` after the gateway logged that it closed the socket (it must not grow from
 * what a closed socket sends either), the RSS grew `stopAtGrowth`, or `maxMs` passed.
 */
async function stalledReader(gw: GatewayProcess, roomId: string, options: { maxMs: number; stopAtGrowth: number; afterCloseMs?: number }): Promise<Run> {
  const { realtimeToken } = await fetchToken(gw.url, roomId, 'stalled');
  const ws = new WebSocket(wsUrlOf(gw.url));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.pause(); // reads nothing from here on; what the gateway sends piles up
  const pid = gw.child.pid!;
  const before = rssBytes(pid);
  let peak = before;
  let logged: Record<string, unknown> | undefined;
  let elapsedMs = 0;
  const started = Date.now();
  const closing = logLine(gw, 'slow consumer: closing 4010').then((l) => {
    logged = l;
    elapsedMs = Date.now() - started;
  });
  const join = JSON.stringify({ type: 'join_room', token: realtimeToken });
  const ping = JSON.stringify({ type: 'ping', ts: 1 });
  const done = () => (logged ? Date.now() - started - elapsedMs >= (options.afterCloseMs ?? 0) : Date.now() - started >= options.maxMs);
  while (!done() && peak - before < options.stopAtGrowth) {
    // Keep the socket's own send buffer small: what matters is what the gateway queues.
    if (ws.bufferedAmount < 256 * 1024) for (let i = 0; i < 20; i++) (ws.send(join), ws.send(ping));
    await new Promise((resolve) => setTimeout(resolve, 5));
    peak = Math.max(peak, rssBytes(pid));
  }
  void closing;
  return { closed: logged !== undefined, elapsedMs: logged ? elapsedMs : Date.now() - started, rssGrowth: peak - before, logged, ws };
}

describe('a socket that stops reading', () => {
  it('is closed 4010 (slow consumer) within 30 s, and the gateway grows less than 64 MiB', async () => {
    const gw = await spawnGateway(['--port', '0', '--max-outbound-bytes', String(MiB), '--ping-interval-ms', '120000'], { RTGW_FAULTS: 'no-budgets' });
    children.push(gw);
    await busyRoom(gw.url, 'busy');
    const run = await stalledReader(gw, 'busy', { maxMs: 30_000, stopAtGrowth: 512 * MiB, afterCloseMs: 1000 });
    expect(run.closed).toBe(true);
    expect(run.elapsedMs).toBeLessThan(30_000);
    expect(run.rssGrowth).toBeLessThan(64 * MiB);
    expect(run.logged).toMatchObject({ level: 40, user: 'stalled' });
    expect(run.logged!.bufferedBytes as number).toBeGreaterThan(MiB);
    // The reader comes back: it gets everything that was queued, then the close code.
    const closed = new Promise<number>((resolve) => run.ws.once('close', (code) => resolve(code)));
    run.ws.resume();
    expect(await closed).toBe(CloseCode.SLOW_CONSUMER);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^rtgw_connections_closed_total\{reason="slow_consumer",node="[^"]+"\} 1$/m);
    console.log(`slow consumer: closed after ${run.elapsedMs} ms with ${run.logged!.bufferedBytes} bytes queued; RSS growth ${(run.rssGrowth / MiB).toFixed(1)} MiB`);
  }, 90_000);

  it('fails against a gateway without the cap (RTGW_FAULTS=no-outbound-cap): the socket stays open and the gateway grows past 64 MiB', async () => {
    const gw = await spawnGateway(['--port', '0', '--ping-interval-ms', '120000'], { RTGW_FAULTS: 'no-budgets,no-outbound-cap' });
    children.push(gw);
    await busyRoom(gw.url, 'busy');
    const run = await stalledReader(gw, 'busy', { maxMs: 30_000, stopAtGrowth: 64 * MiB });
    run.ws.terminate();
    expect(run.closed).toBe(false);
    expect(run.rssGrowth).toBeGreaterThanOrEqual(64 * MiB);
    console.log(`without the cap: RSS grew ${(run.rssGrowth / MiB).toFixed(1)} MiB in ${run.elapsedMs} ms`);
  }, 90_000);
});
