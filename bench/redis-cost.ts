/**
 * What one join and one chat cost Redis, on a quiet gateway: N operations one after another, each
 * awaited, through a counting proxy (bench/redis-proxy.ts) between the gateway and its Redis.
 * Per operation: commands Redis executed (INFO commandstats, Lua-internal ones included), script
 * calls, requests the gateway sent, and round trips (request bursts). The gateway's background work
 * is put off (heartbeats every 55 s), and what is left is measured on the idle gateway first and
 * subtracted.
 *
 * Then the round trips each operation waits for, in sequence: the same operations again with every
 * Redis answer held back by DELAY_MS at the proxy; (p50 with the delay - p50 without) / DELAY_MS.
 *
 *   join, first in its room   N users, each into a room of its own (the room is new: subscribe)
 *   join, room with members   N more users, one into each of those rooms
 *   chat                      each of the second users sends one chat and awaits its echo
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import type { JoinResponse, ServerMessage } from '../protocol/index.js';
import type { RedisServer } from '../scenarios/support/redis-server.js';
import { startCountingProxy, type CountingProxy, type ProxyCounts } from './redis-proxy.js';
import { commandCounts, commandDelta, scriptCalls, type CommandCounts } from './redis-stats.js';
import { startRtgw } from './servers.js';

export type OpName = 'joinFirst' | 'join' | 'chat';

export interface OpCost {
  ops: number;
  /** Per operation, background subtracted. */
  commands: number;
  scriptCalls: number;
  requests: number;
  /** Request bursts (bench/redis-proxy.ts): an upper bound on the round trips waited for. */
  roundTrips: number;
  /** Round trips the operation waited for one after another: its p50 grows by this many answer delays. */
  waitedRoundTrips: number;
  /** Commands per operation by name (the most frequent). */
  byCommand: Record<string, number>;
  /** The operation as the client saw it (join_room -> room_state, chat_send -> its chat_broadcast), ms. */
  latencyMs: { p50: number; max: number };
}

export interface RedisCost {
  ops: number;
  /** The idle gateway's own Redis traffic, per second (subtracted from every figure above). */
  background: { commands: number; requests: number; roundTrips: number };
  /** The answer delay of the pass that counts waited round trips. */
  answerDelayMs: number;
  joinFirst: OpCost;
  join: OpCost;
  chat: OpCost;
}

/**
 * Sockets opened before a batch of operations, without and with the answer delay: each must send its
 * join within the gateway's 5 s auth timeout, and a delayed join takes a few hundred ms.
 */
const BATCH = 20;
const DELAYED_BATCH = 4;
/** An operation without its answer by then failed (the bench says so rather than wait for ever). */
const OP_TIMEOUT_MS = 10_000;
/** After each batch: work the gateway does right after answering (a publish, a write-behind) still counts. */
const TAIL_MS = 200;
const IDLE_MS = 3000;
const SETTLE_MS = 1000;
/** The answer delay of the second pass, and its operations per kind. */
const DELAY_MS = 40;
const DELAYED_OPS = 20;

interface Mark {
  at: number;
  commands: CommandCounts;
  proxy: ProxyCounts;
}

export async function measureRedisCost(ops: number, redisServer: RedisServer, redis: Redis, log: (line: string) => void): Promise<RedisCost> {
  const proxy = await startCountingProxy({ port: redisServer.port });
  // Quiet: presence heartbeats and reconciliation (every 2 s by default, with work per room) would
  // land inside the operations; every 55 s they fall outside this phase.
  const server = await startRtgw(proxy.url, { args: ['--heartbeat-ms', '55000', '--lease-ms', '120000'] });
  const sockets: WebSocket[] = [];
  try {
    const mark = async (): Promise<Mark> => ({ at: performance.now(), commands: await commandCounts(redis), proxy: proxy.counts() });
    await sleep(SETTLE_MS);
    const idleFrom = await mark();
    await sleep(IDLE_MS);
    const idle = diff(idleFrom, await mark());
    const perMs: Rates = {
      commands: idle.commands.total / idle.ms,
      byCommand: Object.fromEntries(Object.entries(idle.commands.byCommand).map(([name, n]) => [name, n / idle.ms])),
      requests: idle.requests / idle.ms,
      roundTrips: idle.roundTrips / idle.ms,
    };

    const wsUrl = `${server.url.replace(/^http/, 'ws')}/realtime`;
    const runId = `cost${Date.now().toString(36)}`;
    /** `count` of each kind: joins first in their rooms, joins into those rooms, a chat by each second member. */
    const pass = async (name: string, id: string, count: number, batch: number) => {
      const users = (kind: string) => Array.from({ length: count }, (_, i) => ({ userId: `${runId}-${id}${kind}${i}`, roomId: `${runId}-${id}room${i}` }));
      const joined: WebSocket[] = [];
      const joinAll = (list: { userId: string; roomId: string }[]) =>
        measureOps(list, batch, mark, perMs, async (u) => {
          const token = await fetchToken(server.url, u);
          const ws = await open(wsUrl);
          sockets.push(ws);
          joined.push(ws);
          return { run: () => roundTrip(ws, { type: 'join_room', token }, (m) => m.type === 'room_state') };
        });
      log(`  ${name}: ${count} joins, each first in its room`);
      const joinFirst = await joinAll(users('a'));
      log(`  ${name}: ${count} joins into rooms with a member`);
      const join = await joinAll(users('b'));
      log(`  ${name}: ${count} chats`);
      let n = 0;
      const chat = await measureOps(joined.slice(count), batch, mark, perMs, async (ws) => {
        const clientMsgId = `c${n++}`;
        return { run: () => roundTrip(ws, { type: 'chat_send', text: 'cost', clientMsgId }, (m) => m.type === 'chat_broadcast' && m.clientMsgId === clientMsgId) };
      });
      return { joinFirst, join, chat };
    };
    const plain = await pass('counted', 'p', ops, BATCH);
    proxy.setDelay(DELAY_MS);
    const delayed = await pass(`answers held ${DELAY_MS} ms`, 'd', DELAYED_OPS, DELAYED_BATCH);
    const waited = (op: OpName): OpCost => ({ ...plain[op], waitedRoundTrips: round((delayed[op].latencyMs.p50 - plain[op].latencyMs.p50) / DELAY_MS, 1) });
    return {
      ops,
      background: { commands: round(perMs.commands * 1000, 2), requests: round(perMs.requests * 1000, 2), roundTrips: round(perMs.roundTrips * 1000, 2) },
      answerDelayMs: DELAY_MS,
      joinFirst: waited('joinFirst'),
      join: waited('join'),
      chat: waited('chat'),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
    await proxy.close();
  }
}

/** The idle gateway's traffic per ms. */
type Rates = { commands: number; byCommand: Record<string, number>; requests: number; roundTrips: number };

/** Prepare each item (not counted), then run the operations of a batch one after another between two marks. */
async function measureOps<T>(items: T[], batchSize: number, mark: () => Promise<Mark>, perMs: Rates, prepare: (item: T) => Promise<{ run: () => Promise<number> }>): Promise<OpCost> {
  const latencies: number[] = [];
  let ms = 0;
  let requests = 0;
  let roundTrips = 0;
  let commands: CommandCounts = { total: 0, byCommand: {} };
  for (let from = 0; from < items.length; from += batchSize) {
    const batch = await Promise.all(items.slice(from, from + batchSize).map(prepare));
    const before = await mark();
    for (const op of batch) latencies.push(await op.run());
    await sleep(TAIL_MS);
    const d = diff(before, await mark());
    ms += d.ms;
    requests += d.requests;
    roundTrips += d.roundTrips;
    commands = add(commands, d.commands);
  }
  const n = items.length;
  const per = (total: number, rate: number) => round(Math.max(0, total - rate * ms) / n, 2);
  latencies.sort((a, b) => a - b);
  const scripts = scriptCalls(commands);
  return {
    ops: n,
    waitedRoundTrips: Number.NaN, // set from the delayed pass
    commands: per(commands.total, perMs.commands),
    scriptCalls: round(scripts / n, 2),
    requests: per(requests, perMs.requests),
    roundTrips: per(roundTrips, perMs.roundTrips),
    byCommand: Object.fromEntries(
      Object.entries(commands.byCommand)
        .map(([name, count]) => [name, per(count, perMs.byCommand[name] ?? 0)] as const)
        .filter(([, count]) => count > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10),
    ),
    latencyMs: { p50: round(latencies[Math.floor(n / 2)] ?? 0, 2), max: round(latencies.at(-1) ?? 0, 2) },
  };
}

function diff(a: Mark, b: Mark) {
  return { ms: b.at - a.at, commands: commandDelta(a.commands, b.commands), requests: b.proxy.requests - a.proxy.requests, roundTrips: b.proxy.bursts - a.proxy.bursts };
}

function add(a: CommandCounts, b: CommandCounts): CommandCounts {
  const byCommand = { ...a.byCommand };
  for (const [name, n] of Object.entries(b.byCommand)) byCommand[name] = (byCommand[name] ?? 0) + n;
  return { total: a.total + b.total, byCommand };
}

async function fetchToken(baseUrl: string, u: { userId: string; roomId: string }): Promise<string> {
  const res = await fetch(`${baseUrl}/rooms/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...u, device: 'desktop' }) });
  if (!res.ok) throw new Error(`POST /rooms/join answered ${res.status}`);
  return ((await res.json()) as JoinResponse).realtimeToken;
}

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Send `msg` and resolve with the ms until a frame matching `done` arrives; an error frame, a close or OP_TIMEOUT_MS rejects. */
function roundTrip(ws: WebSocket, msg: object, done: (m: ServerMessage) => boolean): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (ws.readyState !== WebSocket.OPEN) return reject(new Error(`the socket was closed before ${JSON.stringify(msg).slice(0, 40)}… (the gateway's auth timeout?)`));
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no answer to ${JSON.stringify(msg).slice(0, 40)}… within ${OP_TIMEOUT_MS} ms`));
    }, OP_TIMEOUT_MS);
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (m.type === 'error' || m.type === 'auth_error' || m.type === 'chat_rejected') {
        cleanup();
        reject(new Error(`the gateway answered ${JSON.stringify(m)}`));
      } else if (done(m)) {
        cleanup();
        resolve(performance.now() - started);
      }
    };
    const onClose = (code: number) => {
      cleanup();
      reject(new Error(`the gateway closed the socket (${code})`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.send(JSON.stringify(msg));
  });
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
