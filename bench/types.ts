/** What the bench measures and writes (bench/results/<date>.json). */
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
  /** Rooms of clientsPerRoom dropped at once for the storm (0: skip). */
  stormRooms: number;
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
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; loadAvgAtStart: number[] };
  options: Omit<BenchOptions, 'log'>;
  steps: StepResult[];
  idle: IdleMemory[];
  storm?: {
    clients: number;
    dropped: number;
    rejoined: number;
    allRejoinedMs: number | null;
    p50: number;
    p99: number;
    errors: Record<string, number>;
    /** Connection attempts the kernel dropped on a full accept queue during the run (machine-wide). */
    listenOverflows: number;
    /** The generator's worst event-loop delay p99 during the storm (ms). */
    generatorLoopDelayP99Ms: number;
  };
  notes: string[];
}
