/**
 * The two servers the bench compares, each in its own process: `rtgw serve` on the bench's own
 * redis-server, and the bare ws relay. Both print where they listen on their first line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawnGateway } from '../scenarios/support/gateway-process.js';
import { packageRoot } from '../scenarios/support/paths.js';
import { inspectorUrl } from './inspector.js';

export type Target = 'rtgw' | 'relay';

export interface ServerProcess {
  readonly target: Target;
  readonly url: string;
  readonly pid: number;
  /** With `inspect`: the inspector's WebSocket URL (bench/inspector.ts). */
  readonly inspector?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Run with --inspect=127.0.0.1:0, so the bench can force a GC before reading memory. */
  inspect?: boolean;
  /** More `rtgw serve` flags (rtgw only). */
  args?: string[];
}

export async function startRtgw(redisUrl: string, options: StartOptions = {}): Promise<ServerProcess> {
  const gw = await spawnGateway({
    // Every bench client comes from 127.0.0.1, and the storm reconnects them all at once: the
    // per-address and unauthenticated caps protect a production node, not a benchmark of one.
    args: ['--port', '0', '--redis', redisUrl, '--log-level', 'warn', '--max-connections-per-ip', '1000000', '--max-unauthenticated', '1000000', '--max-connections', '1000000', ...(options.args ?? [])],
    env: {
      RTGW_JWT_SECRET: randomBytes(32).toString('base64'),
      NODE_ENV: 'development',
      ...(options.inspect ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim() } : {}),
    },
  });
  return {
    target: 'rtgw',
    url: gw.url,
    pid: gw.child.pid!,
    inspector: options.inspect ? await waitForInspector(gw.output) : undefined,
    stop: async () => {
      await gw.stop();
    },
  };
}

export async function startRelay(options: StartOptions = {}): Promise<ServerProcess> {
  const script = join(packageRoot(), 'dist', 'bench', 'bare-relay.js');
  const execArgs = options.inspect ? ['--inspect=127.0.0.1:0'] : [];
  const child = spawn(process.execPath, [...execArgs, script, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    errors.push(line);
    if (!line.startsWith('Debugger') && !line.startsWith('For help')) process.stderr.write(`bare relay: ${line}\n`);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new Error(`bare relay said: ${line}`));
      child.stdout!.resume();
    });
    child.once('exit', (code) => reject(new Error(`bare relay exited with ${code}`)));
  });
  return { target: 'relay', url, pid: child.pid!, inspector: options.inspect ? await waitForInspector(errors) : undefined, stop: () => stopChild(child) };
}

/** The inspector prints its URL on stderr before the program's first line; allow a moment anyway. */
async function waitForInspector(lines: readonly string[]): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const url = inspectorUrl(lines);
    if (url) return url;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the server was started with --inspect but printed no inspector URL');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(kill);
}
