/**
 * Member removal in a big room: what one `removeMember` costs Redis when the room holds 10,000
 * members, half on node-a and half on node-b, and node-a's 5,000 leave one at a time (a node
 * shutting down, or every grace period of a node ending). Runs through the `Store` interface, so
 * the same bench measured the store before and after a change.
 *
 * Server time is Redis' own (`INFO commandstats`, usec of the script commands), so it is what every
 * other client of that Redis waits for: Redis runs one script at a time.
 *
 * `npm run bench -- removal [--members 10000]` writes bench/results/removal-<date>.json.
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { MemberRecord } from '../gateway/store/types.js';
import { withBenchRedis } from './redis-bench.js';

export interface RemovalResult {
  startedAt: string;
  /** The commit measured, when known (`git rev-parse --short HEAD`). */
  commit?: string;
  roomMembers: number;
  removed: number;
  /** Client-side latency of one removeMember (ms). */
  latencyMs: { p50: number; p99: number; max: number };
  /** Redis' own time in the removal scripts (INFO commandstats usec of eval/evalsha), per removal and in total. */
  redisUsecPerRemoval: number;
  redisTotalMs: number;
  /** Commands Redis ran per removal (Lua-internal ones included). */
  commandsPerRemoval: number;
  wallMs: number;
}

function member(i: number, nodeId: string): MemberRecord {
  return { userId: `user-${i}`, displayName: `User ${i}`, device: 'desktop', joinedAt: 1_700_000_000_000 + i, sessionId: `session-${i}`, nodeId };
}

async function scriptStats(redis: Redis): Promise<{ usec: number; calls: number; commands: number }> {
  const info = await redis.info('commandstats');
  let usec = 0;
  let calls = 0;
  let commands = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    if (m[1] === 'info') continue;
    commands += Number(m[2]);
    if (m[1] === 'eval' || m[1] === 'evalsha') {
      calls += Number(m[2]);
      usec += Number(m[3]);
    }
  }
  return { usec, calls, commands };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function measureRemoval(roomMembers: number, log: (line: string) => void): Promise<RemovalResult> {
  const startedAt = new Date().toISOString();
  return withBenchRedis(async ({ raw, startStore }) => {
    const store = await startStore('bench:');
    log(`filling a room with ${roomMembers} members (half on node-a, half on node-b)`);
    const half = Math.floor(roomMembers / 2);
    for (let i = 0; i < roomMembers; i += 200) {
      const batch = [];
      for (let j = i; j < Math.min(i + 200, roomMembers); j++) batch.push(store.addMember('big', member(j, j < half ? 'node-a' : 'node-b'), roomMembers));
      await Promise.all(batch);
    }
    log(`removing node-a's ${half} members one at a time`);
    const before = await scriptStats(raw);
    const latencies: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < half; i++) {
      const started = performance.now();
      if (!(await store.removeMember('big', `user-${i}`, `session-${i}`))) throw new Error(`user-${i} was not removed`);
      latencies.push(performance.now() - started);
    }
    const wallMs = performance.now() - t0;
    const after = await scriptStats(raw);
    latencies.sort((x, y) => x - y);
    const removed = latencies.length;
    return {
      startedAt,
      roomMembers,
      removed,
      latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1)! },
      redisUsecPerRemoval: (after.usec - before.usec) / removed,
      redisTotalMs: (after.usec - before.usec) / 1000,
      // The INFO call between the two readings counts once.
      commandsPerRemoval: (after.commands - before.commands - 1) / removed,
      wallMs,
    };
  });
}

export function formatRemoval(r: RemovalResult): string {
  const ms = (n: number) => `${n.toFixed(n < 1 ? 3 : 1)} ms`;
  return [
    `removing ${r.removed} members one at a time from a ${r.roomMembers}-member room${r.commit ? ` (${r.commit})` : ''}:`,
    `  Redis time per removal ${(r.redisUsecPerRemoval / 1000).toFixed(3)} ms, ${r.commandsPerRemoval.toFixed(1)} commands; all ${r.removed}: ${ms(r.redisTotalMs)} of Redis time`,
    `  client latency p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)}, max ${ms(r.latencyMs.max)}; wall ${ms(r.wallMs)}`,
  ].join('\n');
}
