/**
 * `npm run bench -- floor`: what the WebSocket traffic of a step costs by itself on this machine,
 * before any gateway logic — the floor under rtgw's figures.
 *
 * One bare ws server in this process, 500 plain ws clients in a child process (bench/floor-clients.ts):
 * - out: the server sends each client a 2.5 KB text frame (an avatar_transform_broadcast of 19
 *   members, the size a recipient in a room of 20 gets) 20 times a second;
 * - in: each client sends a 150-byte avatar_transform 20 times a second, and the server only
 *   JSON.parses it.
 * CPU is this process's and the clients' (user and system apart) over each 5 s window, per frame.
 * From them, the cores a step of R rooms of 20 at 20 Hz (R x 20 x 20 frames each way per second)
 * needs with nothing else to do: in the server (a Node server's JavaScript runs on one thread, so
 * above one core no code on top can keep up) and in the clients (a generator on the same machine
 * does the mirror work: above the machine's cores, nothing measured there is the server's alone).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';

const CLIENTS = 500;
const RATE = 20;
const WINDOW_MS = 5_000;
const STEPS = [50, 100];

export interface FloorResult {
  tool: 'rtgw bench floor';
  startedAt: string;
  machine: { cpus: string; cores: number; loadAvgStart: number[]; loadAvgEnd: number[] };
  clients: number;
  frameBytes: number;
  messageBytes: number;
  /** µs of this process's CPU per frame sent / message received. */
  outUs: { user: number; system: number; total: number };
  inUs: { user: number; system: number; total: number };
  /** The clients' µs per frame received (the broadcasts) and per message sent (the transforms). */
  clientUs: { receive: { user: number; system: number; total: number }; send: { user: number; system: number; total: number } };
  /**
   * Cores of bare WebSocket work for R rooms of 20 at 20 Hz (R x 400 frames out and in per second):
   * the server's, the clients' (a generator on the same machine does the mirror work), and both.
   */
  steps: Array<{ rooms: number; framesPerSecEachWay: number; cores: number; clientCores: number; machineCores: number }>;
  commit?: string;
}

export function broadcastFrame(members = 19): Buffer {
  const transforms = Array.from({ length: members }, (_, i) => `{"userId":"load-r1-c${i}-d","p":[12.3456,0,-7.891],"r":[0,0.38268,0,0.92388],"seq":${1000 + i},"anim":"walk","ts":1764700000000}`);
  return Buffer.from(`{"type":"avatar_transform_broadcast","transforms":[${transforms.join(',')}]}`);
}

export const TRANSFORM = JSON.stringify({ type: 'avatar_transform', p: [12.3456, 0, -7.891], r: [0, 0.38268, 0, 0.92388], seq: 1234, anim: 'walk' });

export async function measureFloor(log: (line: string) => void): Promise<FloorResult> {
  const startedAt = new Date().toISOString();
  const loadAvgStart = loadavg();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await once(wss, 'listening');
  const sockets: WebSocket[] = [];
  let received = 0;
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => {
      JSON.parse(data.toString());
      received++;
    });
  });
  const port = (wss.address() as { port: number }).port;
  const script = fileURLToPath(new URL('./floor-clients.js', import.meta.url));
  const child: ChildProcess = fork(script, [`ws://127.0.0.1:${port}`, String(CLIENTS), String(RATE)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    while (sockets.length < CLIENTS) await new Promise((resolve) => setTimeout(resolve, 50));
    const frame = broadcastFrame();

    log(`floor: ${CLIENTS} clients, out: a ${frame.length}-byte frame to each ${RATE} times a second`);
    let sent = 0;
    const timer = setInterval(() => {
      for (const ws of sockets) ws.send(frame);
      sent += sockets.length;
    }, 1000 / RATE);
    const out = await window(() => sent, child);
    clearInterval(timer);

    log(`floor: in: each client sends a ${TRANSFORM.length}-byte transform ${RATE} times a second`);
    child.send('send');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the clients are sending at their rate
    const inbound = await window(() => received, child);
    child.send('stop');

    const perFrame = (cpu: { user: number; system: number }, n: number) => ({ user: round(cpu.user / n), system: round(cpu.system / n), total: round((cpu.user + cpu.system) / n) });
    const outUs = perFrame(out.cpu, out.n);
    const inUs = perFrame(inbound.cpu, inbound.n);
    // The clients' side of the same frames: receiving the broadcasts, sending the transforms.
    const clientUs = { receive: perFrame(out.clientCpu, out.n), send: perFrame(inbound.clientCpu, inbound.n) };
    const steps = STEPS.map((rooms) => {
      const perSec = rooms * 20 * RATE;
      const cores = round((perSec * (outUs.total + inUs.total)) / 1e6, 3);
      const clientCores = round((perSec * (clientUs.receive.total + clientUs.send.total)) / 1e6, 3);
      return { rooms, framesPerSecEachWay: perSec, cores, clientCores, machineCores: round(cores + clientCores, 3) };
    });
    return {
      tool: 'rtgw bench floor',
      startedAt,
      machine: { cpus: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAvgStart, loadAvgEnd: loadavg() },
      clients: CLIENTS,
      frameBytes: frame.length,
      messageBytes: TRANSFORM.length,
      outUs,
      inUs,
      clientUs,
      steps,
    };
  } finally {
    child.kill();
    for (const ws of sockets) ws.terminate();
    wss.close();
  }
}

interface Cpu {
  user: number;
  system: number;
}

/** This process's and the clients' CPU over one window, and how far `count` moved meanwhile. */
async function window(count: () => number, child: ChildProcess): Promise<{ cpu: Cpu; clientCpu: Cpu; n: number }> {
  const clientBefore = await clientCpu(child);
  const before = process.cpuUsage();
  const from = count();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const cpu = process.cpuUsage(before);
  const n = count() - from;
  const clientAfter = await clientCpu(child);
  return { cpu, clientCpu: { user: clientAfter.user - clientBefore.user, system: clientAfter.system - clientBefore.system }, n };
}

async function clientCpu(child: ChildProcess): Promise<Cpu> {
  child.send('cpu');
  const [reply] = (await once(child, 'message')) as [{ cpu: Cpu }];
  return reply.cpu;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function formatFloor(r: FloorResult): string {
  const lines = [
    `floor: bare ws on this machine (${r.machine.cores} x ${r.machine.cpus}), ${r.clients} clients in another process`,
    `  out  ${r.frameBytes}-byte frame: ${r.outUs.total} µs of CPU per frame sent (${r.outUs.system} µs system)`,
    `  in   ${r.messageBytes}-byte message, JSON.parse only: ${r.inUs.total} µs per message received (${r.inUs.system} µs system)`,
  ];
  lines.push(`  the clients: ${r.clientUs.receive.total} µs per frame received, ${r.clientUs.send.total} µs per message sent`);
  for (const s of r.steps) {
    lines.push(`  ${s.rooms} x 20 at 20 Hz: ${s.framesPerSecEachWay.toLocaleString('en-US')} frames/s each way = ${s.cores} cores of bare WebSocket work in the server, ${s.clientCores} in the clients, ${s.machineCores} in all`);
  }
  lines.push(`  load average ${r.machine.loadAvgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${r.machine.loadAvgEnd.map((x) => x.toFixed(2)).join(' ')} at end`);
  return lines.join('\n');
}
