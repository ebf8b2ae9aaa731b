/** One load step against one server: the generator's result plus the server's CPU, RSS and Redis work over the window. */
import { cpus, loadavg } from 'node:os';
import type { Redis } from 'ioredis';
import type { LoadResult } from '../load/result.js';
import { runLoad } from '../load/run.js';
import type { RedisServer } from '../scenarios/support/redis-server.js';
import { coresBetween, listenOverflows, machineCoresBetween, markCpu, markMachine, rssBytes, type CpuMark, type MachineMark } from './proc-stats.js';
import { commandCounts, commandDelta, scriptCalls, type CommandCounts } from './redis-stats.js';
import { startRelay, startRtgw, type Target } from './servers.js';
import type { BenchOptions, StepResult } from './types.js';

export async function measureStep(o: BenchOptions, target: Target, rooms: number, redisServer: RedisServer, redis: Redis): Promise<StepResult> {
  const server = target === 'rtgw' ? await startRtgw(redisServer.url) : await startRelay();
  let serverMark: CpuMark | undefined;
  let redisMark: CpuMark | undefined;
  let machineMark: MachineMark | undefined;
  let machineCpu = 0;
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
            machineMark = markMachine();
            if (target === 'rtgw') commandsAt = await commandCounts(redis);
            return;
          }
          serverCpu = coresBetween(serverMark!, markCpu(server.pid));
          redisCpu = coresBetween(redisMark!, markCpu(redisServer.pid));
          machineCpu = machineCoresBetween(machineMark!, markMachine(), cpus().length);
          rss = rssBytes(server.pid);
          if (target === 'rtgw') commands = commandDelta(commandsAt!, await commandCounts(redis));
        },
      },
    );
  } finally {
    await server.stop();
  }
  const accepted = result.gateway?.transformsAccepted;
  const generatorCpu = result.generator.cpuCores;
  // The relay has no Redis; the bench's redis-server idles then, and its CPU is left out of both.
  const ownCpu = serverCpu + generatorCpu + (target === 'rtgw' ? redisCpu : 0);
  const limits: StepResult['limits'] = [];
  if (serverCpu >= SERVER_CORE_LIMIT) limits.push('server');
  if (!result.generator.reliable) limits.push('generator');
  if (machineCpu >= MACHINE_BUSY_LIMIT * cpus().length) limits.push('machine');
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
    deliveriesPerCpuSecond: serverCpu > 0 ? Math.round(result.throughput.delivered / serverCpu) : 0,
    ...(target === 'rtgw'
      ? {
          deliveriesPerCpuSecondWithRedis: serverCpu + redisCpu > 0 ? Math.round(result.throughput.delivered / (serverCpu + redisCpu)) : 0,
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
    generatorCpu,
    generatorReliable: result.generator.reliable,
    generatorNotes: result.generator.reasons,
    listenOverflows: listenOverflows() - overflowsBefore,
    loadAvg: round(loadavg()[0]!, 2),
    machineCpu: round(machineCpu, 2),
    otherCpu: round(Math.max(0, machineCpu - ownCpu), 2),
    limits,
    errors: result.errors,
  };
}

/** A Node server's JavaScript runs on one thread: at 0.9 of a core it has little left (GC threads add a little above 1). */
const SERVER_CORE_LIMIT = 0.9;
/** Share of all cores busy above which nothing on the machine had a core to spare. */
const MACHINE_BUSY_LIMIT = 0.9;

function top(counts: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, n));
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
