/**
 * Generator threads: worker_threads running load/worker.ts when it is compiled (dist/), or the same
 * code on the calling thread through a MessageChannel (tests run from source, --workers 0).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';
import type { LoadOptions } from './options.js';
import { runWorker } from './worker.js';

export interface Channel {
  post(msg: ToWorker): void;
  close(): Promise<void>;
}

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Threads when the compiled worker exists (dist/load/worker.js); 0 (the calling thread) from source. */
export function resolveWorkers(requested: LoadOptions['workers'], clients: number): number {
  if (requested === 'auto') return existsSync(WORKER_FILE) ? Math.max(1, Math.min(availableParallelism(), 4, clients)) : 0;
  if (requested > 0 && !existsSync(WORKER_FILE)) throw new TypeError(`generator threads need the compiled worker (${WORKER_FILE}): run npm run build, or use 0 workers`);
  return Math.min(requested, clients);
}

export function openChannel(workerCount: number, setup: WorkerSetup, onMessage: (m: FromWorker) => void, onFatal: (message: string) => void): Channel {
  if (workerCount === 0) {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onMessage);
    runWorker(port2, setup);
    return {
      post: (msg) => port1.postMessage(msg),
      close: async () => port1.close(),
    };
  }
  const worker = new Worker(WORKER_FILE, { workerData: setup });
  let done = false;
  worker.on('message', onMessage);
  worker.on('error', (err) => onFatal(`thread ${setup.workerIndex}: ${err.message}`));
  worker.on('exit', (code) => {
    if (!done && code !== 0) onFatal(`thread ${setup.workerIndex} exited with ${code}`);
  });
  return {
    post: (msg) => worker.postMessage(msg),
    close: async () => {
      done = true;
      await worker.terminate();
    },
  };
}

