/** What the bench measures and writes (bench/results/<date>.json). */
import type { StormPhase } from '../load/messages.js';
import type { RedisCost } from './redis-cost.js';
import type { Target } from './servers.js';

export interface BenchOptions {
  /** Rooms per step. */
  steps: number[];
  clientsPerRoom: number;
  rate: number;
  /** Seconds measured per step, and arrival ramp. */
  duration: number;
  ramp: number;
  /** Idle joined clients for the memory measurement (0: skip). */
  idleClients: number;
  /** Clients (in rooms of clientsPerRoom) dropped at once for the storm (0: skip). */
  stormClients: number;
  /** Joins and chats, each kind this many times, for the Redis cost per operation (0: skip). */
  redisOps: number;
  /** Fraction of clients that measure what they receive (load/options.ts `sample`). */
  sample: number;
  log: (line: string) => void;
}

export interface StepResult {
  target: Target;
  rooms: number;
  clients: number;
  /** Transforms per second sent by the generator, delivered to receivers, and frames carrying them. */
  sentPerSec: number;
  deliveredPerSec: number;
  framesPerSec: number;
  latency: { p50: number; p90: number; p99: number; p999: number; max: number };
  delivered: number;
  direct: number;
  /** Server process: CPU in cores over the window, RSS at its end (MiB). */
  serverCpu: number;
  serverRssMiB: number;
  /** Per-core efficiency: transforms delivered per second per CPU-second of the server process (deliveredPerSec / serverCpu). */
  deliveriesPerCpuSecond: number;
  /** rtgw only: the same per CPU-second of the server and its Redis together. */
  deliveriesPerCpuSecondWithRedis?: number;
  /** rtgw only: Redis CPU and commands over the window, per transform accepted by the gateway. */
  redisCpu?: number;
  redisCommands?: number;
  /** Commands executed (Lua-internal ones included, as INFO counts them) per accepted transform. */
  redisCommandsPerTransform?: number;
  /** Script calls (EVALSHA/EVAL/FCALL) per accepted transform: round trips that each run several commands inside Redis. */
  redisScriptCallsPerTransform?: number;
  redisTopCommands?: Record<string, number>;
  /** rtgw only, from its /metrics over the window: avatar_transform messages received, and drops by reason. */
  gatewayTransformsIn?: number;
  gatewayDrops?: Record<string, number>;
  gatewayLoopP99Ms?: number;
  generatorCpu: number;
  generatorReliable: boolean;
  generatorNotes: string[];
  /** Connection attempts dropped on a full accept queue during the step (machine-wide, /proc/net/netstat). */
  listenOverflows: number;
  /** 1-minute load average of the machine at the end of the step. */
  loadAvg: number;
  /** The whole machine's busy cores over the window (/proc/stat), and what of it was neither the server, its Redis nor the generator. */
  machineCpu: number;
  otherCpu: number;
  /**
   * What held the step back, each with its own evidence: `server` (its process used >= 0.9 of a
   * core: a Node process's JavaScript runs on one), `generator` (its own verdict: not reliable),
   * `machine` (>= 90 % of all cores busy: nobody had a core to spare). Empty: nothing did.
   */
  limits: Array<'server' | 'generator' | 'machine'>;
  errors: Record<string, number>;
}

export interface IdleMemory {
  target: Target;
  /** Idle clients joined between the two readings. */
  clients: number;
  /** RSS after a forced GC, before and after they joined. */
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** RSS growth / clients, and the parts of it in the JS heap and outside it (Buffers, native). */
  bytesPerClient: number;
  heapBytesPerClient: number;
  externalBytesPerClient: number;
}

export interface BenchResult {
  tool: 'npm run bench';
  /** The commit measured, when known (`git rev-parse --short HEAD`; the tree may hold more). */
  commit?: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; loadAvgAtStart: number[] };
  options: Omit<BenchOptions, 'log'>;
  steps: StepResult[];
  idle: IdleMemory[];
  storm?: StormSummary;
  redisCost?: RedisCost;
  notes: string[];
}

export interface StormSummary {
  clients: number;
  dropped: number;
  rejoined: number;
  /** Drop to the last rejoin (null: some never rejoined within the storm timeout), and per client (ms). */
  allRejoinedMs: number | null;
  p50: number;
  p99: number;
  max: number;
  /** Where the rejoins' time went (load/README.md, Storm): count and ms per phase. */
  phases: Record<StormPhase, { count: number; p50: number; p99: number; max: number }>;
  attempts: { mean: number; max: number };
  connectTimeouts: number;
  errors: Record<string, number>;
  /** SYNs the kernel dropped on a full accept queue during the storm (machine-wide). */
  listenOverflows: number;
  /** The gateway's view (/metrics): upgrades it refused, by reason, and its event-loop p99 over the storm. */
  gatewayRefused: Record<string, number>;
  gatewayLoopP99Ms: number | null;
  /** CPU over the storm (cores) of the server and its Redis, and the commands Redis ran per client rejoined. */
  serverCpu: number;
  redisCpu: number;
  redisCommandsPerRejoin: number;
  /** The generator's worst event-loop delay p99 during the storm (ms), and whether that was within load/health.ts's limit. */
  generatorLoopDelayP99Ms: number;
  generatorReliable: boolean;
}
