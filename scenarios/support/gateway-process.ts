/**
 * `rtgw serve` as a child process: what scenarios and multi-node tests use when they must kill,
 * stop or restart a node the way an operator (or a crash) would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { rtgwBin } from './paths.js';

export interface GatewayProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every line the process printed (plain start-up lines and JSON logs). */
  readonly output: string[];
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no cleanup at all, as a crashed node. */
  kill(): Promise<void>;
  /** Start again on the same port with the same arguments (after stop or kill). */
  restart(): Promise<void>;
}

export interface SpawnGatewayOptions {
  /** Extra `rtgw serve` flags. `--port 0` picks a free port; the same port is kept on restart. */
  args?: string[];
  /** Environment on top of the parent's (REDIS_URL is removed unless given here). */
  env?: Record<string, string>;
}

export async function spawnGateway(options: SpawnGatewayOptions = {}): Promise<GatewayProcess> {
  const args = options.args ?? [];
  const { REDIS_URL: _omit, ...parentEnv } = process.env; // a node uses Redis only when told so
  const env = { ...parentEnv, ...options.env };
  let started = await start(args, env);
  const port = started.port;
  const output: string[] = started.output;
  const withPort = (a: string[]) => {
    const i = a.indexOf('--port');
    return i === -1 ? [...a, '--port', String(port)] : [...a.slice(0, i), '--port', String(port), ...a.slice(i + 2)];
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get child() {
      return started.child;
    },
    output,
    async stop() {
      return stopChild(started.child, 'SIGTERM');
    },
    async kill() {
      await stopChild(started.child, 'SIGKILL');
    },
    async restart() {
      await stopChild(started.child, 'SIGTERM');
      started = await start(withPort(args), env, output);
    },
  };
}

async function start(args: string[], env: NodeJS.ProcessEnv, output: string[] = []) {
  const child = spawn(process.execPath, [rtgwBin(), 'serve', '--host', '127.0.0.1', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      output.push(line);
      const m = /^rtgw listening on http:\/\/[^:]+:(\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`rtgw serve exited with ${code} before listening:\n${output.slice(-20).join('\n')}`)));
  });
  return { child, port, output };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = await exited;
  return code as number | null;
}
