/**
 * Generator processes: each runs load/worker.ts in a child process of its own (compiled, dist/),
 * talking to the coordinator over the IPC channel. From source (tests) there is no compiled
 * worker, and the same code runs in the calling process through a MessageChannel (`--workers 0`).
 *
 * Processes, not worker threads: on a 2-core machine shared with the gateway, threads of one
 * process measured themselves late (their event loops lagged, sends slipped) at loads that two
 * separate generator processes drove on schedule. Separate processes are scheduled, collected and
 * accounted (CPU from /proc or process.cpuUsage) on their own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { WORKER_ENV, type FromWorker, type ToChild, type ToWorker, type WorkerSetup } from './messages.js';
import type { LoadOptions } from './options.js';
import { runWorker } from './worker.js';

export interface Channel {
  post(msg: ToWorker): void;
  /** Wait for the generator to end (a process is killed if it has not exited within a few seconds). */
  close(): Promise<void>;
}

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));
const EXIT_WAIT_MS = 3000;

/** Processes when the compiled worker exists (dist/load/worker.js); 0 (the calling process) from source. */
export function resolveWorkers(requested: LoadOptions['workers'], clients: number): number {
  if (requested === 'auto') return existsSync(WORKER_FILE) ? Math.max(1, Math.min(availableParallelism(), 4, clients)) : 0;
  if (requested > 0 && !existsSync(WORKER_FILE)) throw new TypeError(`generator processes need the compiled worker (${WORKER_FILE}): run npm run build, or use 0 workers`);
  return Math.min(requested, clients);
}

export function openChannel(workerCount: number, setup: WorkerSetup, onMessage: (m: FromWorker) => void, onFatal: (message: string) => void): Channel {
  if (workerCount === 0) return inProcess(setup, onMessage);
  // --inspect on the coordinator must not make every generator try to open the same port.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  const child: ChildProcess = fork(WORKER_FILE, [], { env: { ...process.env, [WORKER_ENV]: '1' }, execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let done = false;
  child.on('message', (m: FromWorker) => onMessage(m));
  child.on('error', (err) => onFatal(`generator process ${setup.workerIndex}: ${err.message}`));
  child.on('exit', (code, signal) => {
    if (!done && code !== 0) onFatal(`generator process ${setup.workerIndex} exited with ${signal ?? code}`);
  });
  child.send({ type: 'setup', setup } satisfies ToChild);
  return {
    post: (msg) => {
      if (child.connected) child.send(msg satisfies ToChild);
    },
    close: async () => {
      done = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      const kill = setTimeout(() => child.kill('SIGKILL'), EXIT_WAIT_MS);
      await exited;
      clearTimeout(kill);
    },
  };
}

function inProcess(setup: WorkerSetup, onMessage: (m: FromWorker) => void): Channel {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', onMessage);
  runWorker(
    {
      post: (msg) => port2.postMessage(msg),
      onMessage: (handler) => port2.on('message', handler),
      close: (last) => {
        port2.postMessage(last);
        port2.close();
      },
    },
    setup,
  );
  return {
    post: (msg) => port1.postMessage(msg),
    close: async () => port1.close(),
  };
}
