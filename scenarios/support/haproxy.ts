/**
 * Debian's haproxy as a child process running deploy/haproxy.cfg (the file operators use) in front
 * of rtgw nodes: free ports for the public side and its metrics, a private runtime-API socket for
 * server states and draining, and its log lines (status codes) kept for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from './paths.js';
import { freePort } from './redis-server.js';

export const HAPROXY_MISSING = 'haproxy is not installed (not found on PATH). Install it with `apt-get install haproxy`.';

/** How long start-up may take until every server has passed its first health check. */
const READY_TIMEOUT_MS = 10_000;

export interface Haproxy {
  /** What clients use: http://127.0.0.1:<port> (WebSockets on /realtime). */
  readonly url: string;
  /** HAProxy's own Prometheus metrics. */
  readonly metricsUrl: string;
  /** One line per request (httplog) and HAProxy's notices. */
  readonly output: string[];
  /** A runtime-API command, e.g. `set server rtgw/node1 state drain`; resolves with the answer. */
  command(cmd: string): Promise<string>;
  /** Server name (node1..3) → status (UP, DOWN, MAINT, DRAIN, "UP 1/2", ...). */
  serverStates(): Promise<Map<string, string>>;
  /** Resolve once `name` has `status` (polling the runtime API: HAProxy emits no event for it). */
  waitForState(name: string, status: RegExp, timeoutMs?: number): Promise<void>;
  /** Counters of responses HAProxy sent on the public side, by class (1xx..5xx), from its metrics. */
  responseCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export function haproxyConfigPath(): string {
  return join(packageRoot(), 'deploy', 'haproxy.cfg');
}

/** Start haproxy in front of `nodes` (host:port, at most three: node1..node3 in the config). */
export async function startHaproxy(nodes: string[]): Promise<Haproxy> {
  if (nodes.length < 1 || nodes.length > 3) throw new TypeError('startHaproxy needs 1..3 node addresses');
  const [port, statsPort] = [await freePort(), await freePort()];
  const socket = join(mkdtempSync(join(tmpdir(), 'rtgw-haproxy-')), 'admin.sock');
  // Unused slots point at a port nobody listens on: those servers are simply DOWN.
  const env: Record<string, string> = { RTGW_LB_BIND: `127.0.0.1:${port}`, RTGW_LB_STATS: `127.0.0.1:${statsPort}`, RTGW_LB_SOCKET: socket };
  for (let i = 0; i < 3; i++) env[`RTGW_NODE${i + 1}`] = nodes[i] ?? '127.0.0.1:1';
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', haproxyConfigPath()], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const s of [child.stdout!, child.stderr!]) createInterface({ input: s }).on('line', (l) => output.push(l));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new Error(HAPROXY_MISSING) : err));
    child.once('exit', (code) => reject(new Error(`haproxy exited (${code}) before it was ready:\n${output.join('\n')}`)));
  });
  failed.catch(() => {});

  const command = (cmd: string) =>
    new Promise<string>((resolve, reject) => {
      const c = connect(socket);
      let answer = '';
      c.on('data', (d) => (answer += d.toString()));
      c.on('end', () => resolve(answer));
      c.on('error', reject);
      c.end(`${cmd}\n`);
    });

  const serverStates = async () => {
    const csv = await command('show stat');
    const states = new Map<string, string>();
    for (const line of csv.split('\n')) {
      const f = line.split(',');
      if (f[0] === 'rtgw' && f[1] && f[1] !== 'BACKEND' && f[1] !== 'FRONTEND') states.set(f[1], f[17] ?? '');
    }
    return states;
  };

  const waitForState = async (name: string, status: RegExp, timeoutMs = READY_TIMEOUT_MS) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = (await serverStates().catch(() => new Map<string, string>())).get(name) ?? '(none)';
      if (status.test(last)) return;
      if (Date.now() > deadline) throw new Error(`haproxy server ${name} is "${last}", not ${status} after ${timeoutMs} ms`);
      await Promise.race([new Promise((r) => setTimeout(r, 100)), failed]);
    }
  };

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGUSR1'); // soft stop: finish what is in flight, then exit
    const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(hard);
  };

  try {
    // The socket appears once the configuration is loaded. Servers start UP until checks say
    // otherwise, so unused slots go to maintenance at once and every given node must pass.
    for (let i = 0; i < nodes.length; i++) await waitForState(`node${i + 1}`, /^UP$/);
    for (let i = nodes.length; i < 3; i++) await command(`set server rtgw/node${i + 1} state maint`);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${statsPort}/metrics`,
    output,
    command,
    serverStates,
    waitForState,
    async responseCounts() {
      const text = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
      const counts: Record<string, number> = {};
      for (const m of text.matchAll(/^haproxy_frontend_http_responses_total\{proxy="rtgw_public",code="(\w+)"\} (\d+)/gm)) counts[m[1]!] = Number(m[2]);
      return counts;
    },
    stop,
  };
}
