/** A reconnect storm on a fresh rtgw: every socket dropped at once, time until all have rejoined. */
import { runLoad } from '../load/run.js';
import type { RedisServer } from '../scenarios/support/redis-server.js';
import { listenOverflows } from './proc-stats.js';
import { startRtgw } from './servers.js';
import type { BenchOptions, BenchResult } from './types.js';

export async function measureStorm(o: BenchOptions, redisServer: RedisServer): Promise<NonNullable<BenchResult['storm']>> {
  const server = await startRtgw(redisServer.url);
  try {
    const overflowsBefore = listenOverflows();
    const r = await runLoad({ url: server.url, rooms: o.stormRooms, clientsPerRoom: o.clientsPerRoom, rate: o.rate, duration: 5, ramp: o.ramp, sample: o.sample, storm: true });
    const s = r.storm!;
    return {
      clients: r.clients.joined,
      dropped: s.dropped,
      rejoined: s.rejoined,
      allRejoinedMs: Number.isFinite(s.allRejoinedMs) ? s.allRejoinedMs : null,
      p50: s.rejoin.p50,
      p99: s.rejoin.p99,
      errors: s.errors,
      listenOverflows: listenOverflows() - overflowsBefore,
      generatorLoopDelayP99Ms: s.generatorLoopDelayP99Ms,
    };
  } finally {
    await server.stop();
  }
}
