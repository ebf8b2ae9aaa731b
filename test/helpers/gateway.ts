/**
 * Gateways for tests: in-process (`startTestGateway`) for most tests, and real child processes
 * (`spawnGateway`) for what only separate processes can show (SIGKILL, several nodes on one Redis).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startGateway, type Gateway, type StartGatewayOptions } from '../../gateway/index.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256';

const running = new Set<Gateway>();

export async function startTestGateway(options: StartGatewayOptions = {}): Promise<Gateway> {
  const gateway = await startGateway({ port: 0, host: '127.0.0.1', logLevel: 'silent', jwtSecret: TEST_SECRET, ...options });
  running.add(gateway);
  return gateway;
}

/** Close every gateway the test started (call in afterEach). */
export async function closeTestGateways(): Promise<void> {
  await Promise.all([...running].map((g) => g.close({ drainMs: 0 })));
  running.clear();
}

const BIN = fileURLToPath(new URL('../../bin/rtgw.js', import.meta.url));

export interface GatewayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** JSON log lines and plain lines the process printed. */
  output: string[];
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no cleanup at all, as a crashed node. */
  kill(): Promise<void>;
}

/** Run `rtgw serve` as a child process (needs `npm run build`; `npm test` builds first). */
export async function spawnGateway(args: string[], env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', ...args], {
    // REDIS_URL may be set for the tests' own Redis; a node uses Redis only when a test says so.
    env: { ...withoutRedisUrl(process.env), RTGW_JWT_SECRET: TEST_SECRET, RTGW_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      output.push(line);
      const m = /^rtgw listening on http:\/\/[^:]+:(\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`rtgw serve exited with ${code} before listening:\n${output.join('\n')}`)));
  });
  const exited = once(child, 'exit');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return code as number | null;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function withoutRedisUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL: _omit, ...rest } = env;
  return rest;
}
