/**
 * A reconnect storm on a fresh rtgw: `stormClients` clients at the steps' rate, every socket
 * dropped at once, time until all have rejoined and where it went (load/README.md, Storm), with
 * the server's and Redis' CPU and Redis' commands over the storm.
 */
import type { Redis } from 'ioredis';
import { STORM_PHASES, type StormPhase } from '../load/messages.js';
import { runLoad } from '../load/run.js';
import type { RedisServer } from '../scenarios/support/redis-server.js';
import { coresBetween, listenOverflows, markCpu, type CpuMark } from './proc-stats.js';
import { commandCounts, commandDelta, type CommandCounts } from './redis-stats.js';
import { startRtgw } from './servers.js';
import type { BenchOptions, StormSummary } from './types.js';

export async function measureStorm(o: BenchOptions, redisServer: RedisServer, redis: Redis): Promise<StormSummary> {
  const server = await startRtgw(redisServer.url);
  try {
    const overflowsBefore = listenOverflows();
    let at: { server: CpuMark; redis: CpuMark; commands: CommandCounts } | undefined;
    let serverCpu = 0;
    let redisCpu = 0;
    let commands = 0;
    const r = await runLoad(
      { url: server.url, clients: o.stormClients, clientsPerRoom: o.clientsPerRoom, rate: o.rate, duration: 5, ramp: o.ramp, sample: o.sample, storm: true },
      {
        onStorm: async (edge) => {
          if (edge === 'start') {
            at = { server: markCpu(server.pid), redis: markCpu(redisServer.pid), commands: await commandCounts(redis) };
            return;
          }
          serverCpu = coresBetween(at!.server, markCpu(server.pid));
          redisCpu = coresBetween(at!.redis, markCpu(redisServer.pid));
          commands = commandDelta(at!.commands, await commandCounts(redis)).total;
        },
      },
    );
    const s = r.storm!;
    const phase = (p: StormPhase) => ({ count: s.phases[p].count, p50: s.phases[p].p50, p99: s.phases[p].p99, max: s.phases[p].max });
    return {
      clients: r.clients.joined,
      dropped: s.dropped,
      rejoined: s.rejoined,
      allRejoinedMs: Number.isFinite(s.allRejoinedMs) ? s.allRejoinedMs : null,
      p50: s.rejoin.p50,
      p99: s.rejoin.p99,
      max: s.rejoin.max,
      phases: Object.fromEntries(STORM_PHASES.map((p) => [p, phase(p)])) as StormSummary['phases'],
      attempts: s.attempts,
      connectTimeouts: s.connectTimeouts,
      errors: s.errors,
      listenOverflows: listenOverflows() - overflowsBefore,
      gatewayRefused: s.gateway?.refused ?? {},
      gatewayLoopP99Ms: s.gateway?.eventLoopP99Ms ?? null,
      serverCpu: round(serverCpu, 2),
      redisCpu: round(redisCpu, 2),
      redisCommandsPerRejoin: s.rejoined ? round(commands / s.rejoined, 2) : 0,
      generatorLoopDelayP99Ms: s.generatorLoopDelayP99Ms,
      generatorReliable: s.generatorReliable,
    };
  } finally {
    await server.stop();
  }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
