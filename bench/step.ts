/** One load step against one server: the generator's result plus the server's CPU, RSS and Redis work over the window. */
import { loadavg } from 'node:os';
import type { Redis } from 'ioredis';
import type { LoadResult } from '../load/result.js';
import { runLoad } from '../load/run.js';
import type { RedisServer } from '../scenarios/support/redis-server.js';
import { coresBetween, listenOverflows, markCpu, rssBytes, type CpuMark } from './proc-stats.js';
import { commandCounts, commandDelta, type CommandCounts } from './redis-stats.js';
import { startRelay, startRtgw, type Target } from './servers.js';
import type { BenchOptions, StepResult } from './types.js';

export async function measureStep(o: BenchOptions, target: Target, rooms: number, redisServer: RedisServer, redis: Redis): Promise<StepResult> {
  const server = target === 'rtgw' ? await startRtgw(redisServer.url) : await startRelay();
  let serverMark: CpuMark | undefined;
  let redisMark: CpuMark | undefined;
  let commandsAt: CommandCounts | undefined;
  let serverCpu = 0;
  let redisCpu = 0;
  let rss = 0;
  let commands: CommandCounts | undefined;
  let result: LoadResult;
  const overflowsBefore = listenOverflows();
  try {
    result = await runLoad(
      { url: server.url, rooms, clientsPerRoom: o.clientsPerRoom, rate: o.rate, duration: o.duration, ramp: o.ramp, sample: o.sample },
      {
        onWindow: async (edge) => {
          if (edge === 'start') {
            serverMark = markCpu(server.pid);
            redisMark = markCpu(redisServer.pid);
            if (target === 'rtgw') commandsAt = await commandCounts(redis);
            return;
          }
          serverCpu = coresBetween(serverMark!, markCpu(server.pid));
          redisCpu = coresBetween(redisMark!, markCpu(redisServer.pid));
          rss = rssBytes(server.pid);
          if (target === 'rtgw') commands = commandDelta(commandsAt!, await commandCounts(redis));
        },
      },
    );
  } finally {
    await server.stop();
  }
  const accepted = result.gateway?.transformsAccepted;
  return {
    target,
    rooms,
    clients: rooms * o.clientsPerRoom,
    sentPerSec: result.throughput.sent,
    deliveredPerSec: result.throughput.delivered,
    framesPerSec: result.throughput.frames,
    latency: { p50: result.latency.fanout.p50, p90: result.latency.fanout.p90, p99: result.latency.fanout.p99, p999: result.latency.fanout.p999, max: result.latency.fanout.max },
    delivered: round(result.delivery.ratio, 5),
    direct: round(result.delivery.directRatio, 5),
    serverCpu: round(serverCpu, 2),
    serverRssMiB: round(rss / 2 ** 20, 1),
    ...(target === 'rtgw'
      ? {
          redisCpu: round(redisCpu, 2),
          redisCommands: commands?.total,
          redisCommandsPerTransform: commands && accepted ? round(commands.total / accepted, 4) : undefined,
          redisScriptCallsPerTransform: commands && accepted ? round(scriptCalls(commands) / accepted, 4) : undefined,
          redisTopCommands: commands ? top(commands.byCommand, 8) : undefined,
          gatewayTransformsIn: result.gateway?.transformsIn,
          gatewayDrops: result.gateway?.drops,
          gatewayLoopP99Ms: result.gateway?.eventLoopP99Ms,
        }
      : {}),
    generatorCpu: result.generator.cpuCores,
    generatorReliable: result.generator.reliable,
    generatorNotes: result.generator.reasons,
    listenOverflows: listenOverflows() - overflowsBefore,
    loadAvg: round(loadavg()[0]!, 2),
    errors: result.errors,
  };
}

function scriptCalls(c: CommandCounts): number {
  return ['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'fcall', 'fcall_ro'].reduce((n, name) => n + (c.byCommand[name] ?? 0), 0);
}

function top(counts: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, n));
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
