/**
 * Memory of another Node process without garbage in it: through its inspector (the process runs
 * with --inspect=127.0.0.1:0), force a full collection, then read process.memoryUsage(). RSS alone
 * moves with the collector's schedule by megabytes; after a forced GC it moves with what is live.
 */
import WebSocket from 'ws';

export interface MemoryUsage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** The inspector's WebSocket URL from the lines a process printed (`Debugger listening on ws://…`). */
export function inspectorUrl(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const m = /Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

export async function collectAndMeasure(url: string): Promise<MemoryUsage> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      const onMessage = (data: WebSocket.RawData) => {
        const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
        if (msg.id !== id) return;
        ws.off('message', onMessage);
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve(msg.result);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    // Twice: the first collection can leave finalisable objects that the second one frees.
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const result = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
    return JSON.parse(result.result.value) as MemoryUsage;
  } finally {
    ws.close();
  }
}
