/** Memory per idle joined client (bench/README.md), measured after forced full GCs. */
import { runLoad } from '../load/run.js';
import type { RedisServer } from '../scenarios/support/redis-server.js';
import { collectAndMeasure, type MemoryUsage } from './inspector.js';
import { startRelay, startRtgw, type Target } from './servers.js';
import type { BenchOptions, IdleMemory } from './types.js';

/**
 * Memory per idle joined client, on a fresh server run with --inspect: a few clients join and leave
 * first (code paths compiled, pools and caches filled: one-time costs), then a forced GC and a
 * reading; then `idleClients` join (they send nothing but pings, every 2 s), and a forced GC and a
 * reading again. Per client = the difference / clients. RSS is what the target is about; the heap
 * and external (Buffer) parts say where it goes.
 */
export async function measureIdle(o: BenchOptions, target: Target, redisServer: RedisServer): Promise<IdleMemory> {
  const server = target === 'rtgw' ? await startRtgw(redisServer.url, { inspect: true }) : await startRelay({ inspect: true });
  try {
    await runLoad({ url: server.url, rooms: 1, clientsPerRoom: o.clientsPerRoom, rate: 0, duration: 1, ramp: 1, drain: 0 });
    await sleep(500);
    const before = await collectAndMeasure(server.inspector!);
    let after: MemoryUsage | undefined;
    const rooms = Math.ceil(o.idleClients / o.clientsPerRoom);
    const r = await runLoad(
      { url: server.url, rooms, clientsPerRoom: o.clientsPerRoom, rate: 0, duration: 2, ramp: Math.max(1, (rooms * o.clientsPerRoom) / 200), drain: 0 },
      {
        onWindow: async (edge) => {
          if (edge === 'end') after = await collectAndMeasure(server.inspector!);
        },
      },
    );
    const clients = r.clients.joined;
    const per = (key: keyof MemoryUsage) => Math.round((after![key] - before[key]) / Math.max(1, clients));
    return {
      target,
      clients,
      rssBeforeMiB: round(before.rss / 2 ** 20, 1),
      rssAfterMiB: round(after!.rss / 2 ** 20, 1),
      bytesPerClient: per('rss'),
      heapBytesPerClient: per('heapUsed'),
      externalBytesPerClient: per('external'),
    };
  } finally {
    await server.stop();
  }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
