/**
 * A real redis-server child process (for tests and for `rtgw scenario`): a free port, no
 * persistence, stopped and restarted on the same port to simulate an outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** The current process id (changes on restart). */
  readonly pid: number;
  /** Stop the server and wait until the process has exited; a no-op when it is stopped. */
  stop(): Promise<void>;
  /** Stop (if running), then start again on the same port. */
  restart(): Promise<void>;
}

const READY_LINE = 'Ready to accept connections';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export const REDIS_SERVER_MISSING =
  'redis-server is not installed (not found on PATH). Install it with `apt-get install redis-server` ' +
  '(or `brew install redis`), or give a Redis URL (REDIS_URL for the tests, --redis for rtgw scenario).';

export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  let port = options.port ?? (await freePort());
  let child: ChildProcess;
  try {
    child = await spawnRedis(port);
  } catch (err) {
    // Another process may have taken the free port between the probe and the spawn: try once more.
    if (options.port !== undefined || !(err instanceof PortInUseError)) throw err;
    port = await freePort();
    child = await spawnRedis(port);
  }

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(kill);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid!;
    },
    stop,
    async restart() {
      await stop();
      child = await spawnRedis(port);
    },
  };
}

/** redis-server said its port (or another it was given) is taken: pick other ports and try again. */
export class PortInUseError extends Error {}

/**
 * Spawn redis-server on `port` (no persistence, loopback only, `extraArgs` after) and resolve once
 * it logs that it accepts connections.
 */
export function spawnRedis(port: number, extraArgs: string[] = [], cwd = tmpdir()): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs];
  const child = spawn('redis-server', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      fail(new Error(`redis-server on port ${port} did not become ready within ${START_TIMEOUT_MS} ms:\n${output}`));
      child.kill('SIGKILL');
    }, START_TIMEOUT_MS);
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY_LINE)) {
        done();
        resolve(child);
      }
    };
    const onError = (err: NodeJS.ErrnoException) => {
      fail(err.code === 'ENOENT' ? new Error(REDIS_SERVER_MISSING) : err);
    };
    const onExit = (code: number | null, signal: string | null) => {
      const why = `redis-server on port ${port} exited (${signal ?? `code ${code}`}) before it was ready:\n${output}`;
      fail(/address already in use/i.test(output) ? new PortInUseError(why) : new Error(why));
    };
    const fail = (err: Error) => {
      done();
      reject(err);
    };
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onOutput);
      child.stderr!.off('data', onOutput);
      child.off('error', onError);
      child.off('exit', onExit);
      // Keep draining the pipes so a chatty server never blocks on a full pipe.
      child.stdout!.resume();
      child.stderr!.resume();
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.once('error', onError);
    child.once('exit', onExit);
  });
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
