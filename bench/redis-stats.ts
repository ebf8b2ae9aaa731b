/**
 * Commands the bench's own redis-server processed, from INFO commandstats. The INFO calls the
 * bench makes are left out, so a delta is what the gateway asked of Redis. Redis counts the
 * commands a Lua script runs as commands too (and a script call as one more).
 */
import type { Redis } from 'ioredis';

export interface CommandCounts {
  total: number;
  byCommand: Record<string, number>;
}

/** Calls of these run a script: a round trip that runs several commands inside Redis. */
export const SCRIPT_COMMANDS = ['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'fcall', 'fcall_ro'] as const;

export async function commandCounts(redis: Redis): Promise<CommandCounts> {
  const info = await redis.info('commandstats');
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = m[1]!;
    if (name === 'info') continue;
    byCommand[name] = Number(m[2]);
    total += Number(m[2]);
  }
  return { total, byCommand };
}

export function commandDelta(a: CommandCounts, b: CommandCounts): CommandCounts {
  const byCommand: Record<string, number> = {};
  for (const [name, n] of Object.entries(b.byCommand)) {
    const d = n - (a.byCommand[name] ?? 0);
    if (d > 0) byCommand[name] = d;
  }
  return { total: b.total - a.total, byCommand };
}

export function scriptCalls(c: CommandCounts): number {
  return SCRIPT_COMMANDS.reduce((n, name) => n + (c.byCommand[name] ?? 0), 0);
}
