/**
 * A real Redis Cluster of child processes (for tests and for `rtgw scenario cluster-failover`):
 * `masters` masters with one replica each, on free ports of 127.0.0.1, no persistence, built with
 * `redis-cli --cluster create`. A node can be SIGKILLed to watch its replica take over.
 *
 * Settings that make a test cluster quick and a failover partial, and why:
 * - `cluster-node-timeout` (default here 2000 ms): a dead master is failed over after about this
 *   long plus an election (~1 s);
 * - `cluster-require-full-coverage no`: while one shard has no master the others keep serving
 *   (the default would stop the whole cluster; production clusters for rtgw should set it too);
 * - `repl-diskless-sync-delay 0`: replicas sync at once instead of after 5 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// ioredis loads only when a cluster is started: `rtgw scenario list` must not load it.
import type { Redis } from 'ioredis';
import { freePort, PortInUseError, spawnRedis } from './redis-server.js';

export const REDIS_CLI_MISSING =
  'redis-cli is not installed (not found on PATH); a Redis Cluster is built with `redis-cli --cluster create`. ' +
  'Install it with `apt-get install redis-tools` (or `brew install redis`).';

export interface ClusterNode {
  readonly port: number;
  /** `127.0.0.1:<port>`: how the cluster (and ioredis) names the node. */
  readonly key: string;
  readonly pid: number;
  readonly running: boolean;
  /** SIGKILL (no shutdown at all) and wait until the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: frozen, its sockets open (a replica that falls behind). */
  pause(): void;
  resume(): void;
}

export interface ClusterShard {
  master: string;
  replicas: string[];
  /** Slot ranges [from, to] (inclusive). */
  slots: Array<[number, number]>;
}

export interface RedisCluster {
  readonly nodes: ClusterNode[];
  /** Every node as `host:port`: what `--redis-cluster` takes (a few would do: the client discovers the rest). */
  readonly seeds: string[];
  /** The shards as a live node sees them now. */
  shards(): Promise<ClusterShard[]>;
  /** The node (`host:port`) that is master for `slot` now. */
  masterOf(slot: number): Promise<string>;
  node(key: string): ClusterNode;
  /**
   * Resolve once `replica` reports itself master (it won the election after its master died), with
   * `Date.now()` at that moment; polled every 25 ms, bounded by `timeoutMs`.
   */
  promoted(replica: string, timeoutMs?: number): Promise<number>;
  /** A connection to one node (the caller closes it). */
  connect(key: string): Redis;
  /** Stop every node and remove their files. */
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  masters?: number;
  nodeTimeoutMs?: number;
  /** Overall bound for building the cluster. */
  timeoutMs?: number;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startRedisCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  await requireRedisCli();
  const { Redis } = await import('ioredis');
  const dir = await mkdtemp(join(tmpdir(), 'rtgw-cluster-'));
  const children = new Map<number, ChildProcess>();
  const stopAll = async () => {
    await Promise.all([...children.values()].map((child) => stopChild(child, 'SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * 2; i++) {
      for (let attempt = 0; ; attempt++) {
        // The cluster bus port is set too: the default (port + 10000) may be taken or out of range.
        const [port, busPort] = [await freePort(), await freePort()];
        const args = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-port', String(busPort)];
        args.push('--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-require-full-coverage', 'no', '--repl-diskless-sync-delay', '0');
        args.push('--dir', dir, '--daemonize', 'no');
        try {
          children.set(port, await spawnRedis(port, args, dir));
          break;
        } catch (err) {
          if (!(err instanceof PortInUseError) || attempt >= 3) throw err;
        }
      }
    }
    const keys = [...children.keys()].map((port) => `127.0.0.1:${port}`);
    await runRedisCli(['--cluster', 'create', ...keys, '--cluster-replicas', '1', '--cluster-yes'], Math.max(1_000, deadline - Date.now()));
    await untilWhole(keys, masters, deadline, (port) => new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null }));
  } catch (err) {
    await stopAll();
    throw err;
  }

  const nodes = [...children.keys()].map((port): ClusterNode => ({
    port,
    key: `127.0.0.1:${port}`,
    get pid() {
      return children.get(port)!.pid!;
    },
    get running() {
      const child = children.get(port)!;
      return child.exitCode === null && child.signalCode === null;
    },
    kill: () => stopChild(children.get(port)!, 'SIGKILL'),
    pause: () => void children.get(port)!.kill('SIGSTOP'),
    resume: () => void children.get(port)!.kill('SIGCONT'),
  }));
  const connect = (key: string) => {
    const [host, port] = key.split(':');
    return new Redis({ host, port: Number(port), lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: true });
  };
  const live = () => {
    const node = nodes.find((n) => n.running);
    if (!node) throw new Error('no node of the cluster is running');
    return node.key;
  };
  const shards = async () => withConnection(connect(live()), async (redis) => parseShards(String(await redis.call('CLUSTER', 'NODES'))));
  return {
    nodes,
    seeds: nodes.map((n) => n.key),
    shards,
    async masterOf(slot) {
      const shard = (await shards()).find((s) => s.slots.some(([from, to]) => slot >= from && slot <= to));
      if (!shard) throw new Error(`no master owns slot ${slot}`);
      return shard.master;
    },
    node(key) {
      const node = nodes.find((n) => n.key === key);
      if (!node) throw new Error(`${key} is not a node of this cluster`);
      return node;
    },
    async promoted(replica, waitMs = 20_000) {
      const until = Date.now() + waitMs;
      // No event tells another process that an election is over: ask the replica, briefly and bounded.
      return withConnection(connect(replica), async (redis) => {
        for (;;) {
          const info = await redis.info('replication').catch(() => '');
          if (/^role:master/m.test(info)) return Date.now();
          if (Date.now() > until) throw new Error(`${replica} was not promoted within ${waitMs} ms`);
          await delay(25);
        }
      });
    },
    connect,
    stop: stopAll,
  };
}

/** The cluster is whole: every node says `cluster_state:ok`, sees every node and `masters` masters with slots, and every replica is in sync. */
async function untilWhole(keys: string[], masters: number, deadline: number, connect: (port: number) => Redis): Promise<void> {
  const connections = keys.map((key) => connect(Number(key.split(':')[1])));
  let last = '';
  try {
    // Nodes gossip their way to agreement; nothing announces it: ask every 100 ms, bounded.
    for (;;) {
      const states = await Promise.all(
        connections.map(async (redis) => {
          const [info, nodesText, replication] = await Promise.all([redis.call('CLUSTER', 'INFO'), redis.call('CLUSTER', 'NODES'), redis.info('replication')]);
          const shards = parseShards(String(nodesText));
          const ok = /cluster_state:ok/.test(String(info)) && String(nodesText).trim().split('\n').length === keys.length;
          const replicaOk = !/^role:slave/m.test(replication) || /master_link_status:up/.test(replication);
          return ok && replicaOk && shards.length === masters && shards.every((s) => s.replicas.length === 1) ? '' : `${redis.options.port}: ${String(info).match(/cluster_state:\w+/)?.[0]}, ${shards.length} shards, replica link ${replicaOk ? 'up' : 'down'}`;
        }),
      );
      last = states.filter(Boolean).join('; ');
      if (!last) return;
      if (Date.now() > deadline) throw new Error(`the Redis Cluster did not become whole in time: ${last}`);
      await delay(100);
    }
  } finally {
    for (const redis of connections) redis.disconnect();
  }
}

/** CLUSTER NODES as shards (failed nodes left out). */
export function parseShards(text: string): ClusterShard[] {
  const lines = text.trim().split('\n').map((line) => line.trim().split(' '));
  const key = (address: string) => address.split('@')[0]!;
  const shards = new Map<string, ClusterShard>();
  for (const [id, address, flags, , , , , , ...slots] of lines) {
    if (!flags?.includes('master') || flags.includes('fail')) continue;
    const ranges = slots.filter((s) => !s.startsWith('[')).map((s) => s.split('-').map(Number) as [number, number?]).map(([from, to]) => [from, to ?? from] as [number, number]);
    if (ranges.length > 0) shards.set(id!, { master: key(address!), replicas: [], slots: ranges });
  }
  for (const [, address, flags, masterId] of lines) {
    if (flags?.includes('slave') && !flags.includes('fail')) shards.get(masterId!)?.replicas.push(key(address!));
  }
  return [...shards.values()].sort((x, y) => x.slots[0]![0] - y.slots[0]![0]);
}

async function withConnection<T>(redis: Redis, use: (redis: Redis) => Promise<T>): Promise<T> {
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

function requireRedisCli(): Promise<void> {
  return runRedisCli(['--version'], 5_000);
}

function runRedisCli(args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(REDIS_CLI_MISSING) : err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`redis-cli ${args.slice(0, 2).join(' ')} failed (${signal ?? `exit ${code}`}):\n${output.slice(-2000)}`));
    });
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
