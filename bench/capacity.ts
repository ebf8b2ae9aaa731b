/**
 * What the gateway's store calls cost one Redis (one shard), per gateway action, and the model that
 * turns it into rooms per shard at 20 Hz. Two RedisStores play two gateway nodes on a redis-server
 * of the bench's own: node A acts, node B is subscribed to every room (so each publish is delivered
 * to one other node, as in a room that spans two nodes). Each action is the sequence of store
 * calls the gateway makes for it (gateway/presence.ts, hub.ts, blocklists.ts):
 *
 *   join (new room)  subscribeRoom and getBlocked together, then joinRoom, then publish(member_joined)
 *   join             the same into a room of 20 where the node is subscribed already (no subscribe)
 *   chat             sendChat + publish(chat)
 *   flush            saveTransforms + publish(transforms) of node A's 10 members of a room of 20:
 *                    one node's share of one room's 50 ms flush
 *   flush, batched   the same for every room at once, as a node flushes (one saveTransforms call,
 *                    one pipeline, then the publishes): per room; this is what the model uses
 *   reconcile        reconcileRoom of a room of 20 (10 held here): every room, every heartbeat
 *   heartbeat        heartbeat + reapDeadNodes (nobody dead): every node, every heartbeat
 *
 * Measured per action: commands Redis ran (INFO commandstats: script calls and the commands inside
 * them), bytes in and out of Redis (INFO stats total_net_input/output_bytes, the bench's own INFO
 * replies subtracted) and Redis CPU (INFO used_cpu_user + used_cpu_sys: networking included).
 *
 * `npm run bench -- capacity [--n 400]` writes bench/results/capacity-<date>.json.
 */
import type { Redis } from 'ioredis';
import type { Transform } from '../protocol/index.js';
import type { RedisStore } from '../gateway/store/redis.js';
import type { MemberRecord } from '../gateway/store/types.js';
import { withBenchRedis } from './redis-bench.js';

export interface ActionCost {
  n: number;
  commands: number;
  scriptCalls: number;
  bytesIn: number;
  bytesOut: number;
  redisCpuUs: number;
  /** Top commands per action, Lua-internal included. */
  byCommand: Record<string, number>;
}

export interface CapacityResult {
  startedAt: string;
  commit?: string;
  redis: string;
  roomSize: number;
  actions: Record<'joinNewRoom' | 'join' | 'chat' | 'flush' | 'flushBatched' | 'reconcile' | 'heartbeat', ActionCost>;
  /** The model, for rooms of `roomSize` with half the members on each of two nodes, at `flushHz`. */
  model: {
    flushHz: number;
    heartbeatMs: number;
    /** Redis CPU one such room costs per second (both nodes' flushes and reconciliations), in microseconds. */
    redisCpuUsPerRoomSecond: number;
    commandsPerRoomSecond: number;
    bytesPerRoomSecond: number;
    /** At half of one core of this machine's Redis (the other half for joins, chat, bursts and the OS). */
    roomsPerShardAtHalfCore: number;
    membersPerShardAtHalfCore: number;
  };
}

const ROOM = 20;

function member(userId: string, nodeId: string): MemberRecord {
  return { userId, displayName: `User ${userId}`, device: 'desktop', joinedAt: Date.now(), sessionId: `s-${userId}`, nodeId };
}
const transform = (i: number): Transform => ({ p: [1.25 * i, 0, -3.5], r: [0, 0.7071, 0, 0.7071], seq: i, anim: 'walk', ts: Date.now() });

interface Reading {
  commands: Record<string, number>;
  netIn: number;
  netOut: number;
  cpuUs: number;
}

async function read(redis: Redis): Promise<Reading> {
  const [stats, cpu, commandstats] = await Promise.all([redis.info('stats'), redis.info('cpu'), redis.info('commandstats')]);
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  const commands: Record<string, number> = {};
  for (const m of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') commands[m[1]!] = Number(m[2]);
  return {
    commands,
    netIn: field(stats, 'total_net_input_bytes'),
    netOut: field(stats, 'total_net_output_bytes'),
    cpuUs: (field(cpu, 'used_cpu_user') + field(cpu, 'used_cpu_sys')) * 1e6,
  };
}

export async function measureCapacity(n: number, log: (line: string) => void): Promise<CapacityResult> {
  const startedAt = new Date().toISOString();
  return withBenchRedis(async ({ raw, startStore }) => {
    const a = await startStore('cap:');
    const b = await startStore('cap:');
    // What three INFO calls cost by themselves (their replies are most of the bytes out).
    const r0 = await read(raw);
    const r1 = await read(raw);
    const infoIn = r1.netIn - r0.netIn;
    const infoOut = r1.netOut - r0.netOut;
    const measure = async (name: string, count: number, action: (i: number) => Promise<unknown>): Promise<ActionCost> => {
      const before = await read(raw);
      for (let i = 0; i < count; i++) await action(i);
      const after = await read(raw);
      const byCommand: Record<string, number> = {};
      let commands = 0;
      for (const [cmd, calls] of Object.entries(after.commands)) {
        const d = calls - (before.commands[cmd] ?? 0);
        if (d <= 0) continue;
        commands += d;
        byCommand[cmd] = Math.round((d / count) * 100) / 100;
      }
      const cost: ActionCost = {
        n: count,
        commands: commands / count,
        scriptCalls: ((after.commands.evalsha ?? 0) - (before.commands.evalsha ?? 0) + (after.commands.eval ?? 0) - (before.commands.eval ?? 0)) / count,
        bytesIn: (after.netIn - before.netIn - infoIn) / count,
        bytesOut: (after.netOut - before.netOut - infoOut) / count,
        redisCpuUs: (after.cpuUs - before.cpuUs) / count,
        byCommand: Object.fromEntries(Object.entries(byCommand).sort((x, y) => y[1] - x[1]).slice(0, 8)),
      };
      log(`${name}: ${cost.commands.toFixed(1)} commands (${cost.scriptCalls.toFixed(1)} scripts), ${Math.round(cost.bytesIn)} B in, ${Math.round(cost.bytesOut)} B out, ${Math.round(cost.redisCpuUs)} µs Redis CPU`);
      return cost;
    };
    const rooms = Array.from({ length: n }, (_, i) => `room-${i}`);
    await Promise.all(rooms.map((room) => b.subscribeRoom(room)));
    // Rooms of ROOM - 1 members (half on node A, half on node B) for the joins into a room with members.
    for (const room of rooms) {
      await Promise.all(Array.from({ length: ROOM - 1 }, (_, k) => (k % 2 ? b : a).addMember(room, member(`${room}-m${k}`, k % 2 ? 'node-b' : 'node-a'), 100)));
      await a.subscribeRoom(room);
    }
    const join = async (store: RedisStore, room: string, userId: string, subscribe: boolean) => {
      const record = member(userId, 'node-a');
      await Promise.all([subscribe ? store.subscribeRoom(room) : undefined, store.getBlocked(userId)]);
      await store.joinRoom(room, record, 100);
      store.publish(room, { kind: 'member_joined', origin: 'node-a', member: { userId, displayName: record.displayName, device: record.device, joinedAt: record.joinedAt } });
    };
    const fresh = Array.from({ length: n }, (_, i) => `fresh-${i}`);
    await Promise.all(fresh.map((room) => b.subscribeRoom(room)));
    const joinNewRoom = await measure('join (new room)', n, (i) => join(a, fresh[i]!, `first-${i}`, true));
    const joinCost = await measure(`join (room of ${ROOM})`, n, (i) => join(a, rooms[i]!, `joiner-${i}`, false));
    const chat = await measure('chat', n, async (i) => {
      const userId = `joiner-${i}`;
      const now = Date.now();
      const message = { id: `01M8V${String(i).padStart(21, '0')}`, roomId: rooms[i]!, userId, displayName: `User ${userId}`, text: 'a chat line of some forty characters ok', ts: now, clientMsgId: `c-${i}` };
      await a.sendChat(message, 5, 10_000);
      a.publish(rooms[i]!, { kind: 'chat', origin: 'node-a', message });
    });
    // Node A's half of the room (the members it holds): each node flushes only its own.
    const usersOf = (i: number) => Array.from({ length: ROOM / 2 }, (_, k) => `${rooms[i]!}-m${2 * k}`);
    const flushRoom = (i: number) => ({
      entries: usersOf(i).map((userId, k) => ({ roomId: rooms[i]!, userId, transform: transform(k) })),
      publish: () => a.publish(rooms[i]!, { kind: 'transforms', origin: 'node-a', transforms: usersOf(i).map((userId, k) => ({ userId, ...transform(k) })) }),
    });
    const flush = await measure(`flush (10 of a room of ${ROOM})`, n, async (i) => {
      const { entries, publish } = flushRoom(i);
      await a.saveTransforms(entries);
      publish();
    });
    const batches = 20;
    const batched = await measure(`flush, ${n} rooms at once`, batches, async () => {
      const all = rooms.map((_, i) => flushRoom(i));
      await a.saveTransforms(all.flatMap((r) => r.entries));
      for (const r of all) r.publish();
      await a.checkReady(1_000); // the publishes have landed before the next batch
    });
    const perRoom = (c: ActionCost): ActionCost => ({
      ...c,
      n: c.n * n,
      commands: c.commands / n,
      scriptCalls: c.scriptCalls / n,
      bytesIn: c.bytesIn / n,
      bytesOut: c.bytesOut / n,
      redisCpuUs: c.redisCpuUs / n,
      byCommand: Object.fromEntries(Object.entries(c.byCommand).map(([k, v]) => [k, Math.round((v / n) * 100) / 100])),
    });
    const flushBatched = perRoom(batched);
    await a.heartbeat('node-a');
    await b.heartbeat('node-b');
    const held = (room: string) => Array.from({ length: ROOM / 2 }, (_, k) => member(`${room}-m${2 * k}`, 'node-a'));
    const reconcile = await measure(`reconcile (room of ${ROOM})`, n, (i) => a.reconcileRoom(rooms[i]!, 'node-a', held(rooms[i]!), 8_000));
    const heartbeat = await measure('heartbeat', n, async () => {
      await a.heartbeat('node-a');
      await a.reapDeadNodes('node-a', 8_000);
    });
    // The publishes are fire and forget: let the last ones land before the final reading is taken.
    await a.checkReady(1_000);
    const flushHz = 20;
    const heartbeatMs = 2_000;
    // Two nodes, each flushing its half of the room at flushHz and reconciling it every heartbeat.
    const perSecond = (x: (c: ActionCost) => number) => 2 * (flushHz * x(flushBatched) + (1000 * x(reconcile)) / heartbeatMs);
    const redisCpuUsPerRoomSecond = perSecond((c) => c.redisCpuUs);
    const roomsPerShardAtHalfCore = Math.floor(0.5e6 / redisCpuUsPerRoomSecond);
    return {
      startedAt,
      redis: (await raw.info('server')).match(/redis_version:(\S+)/)?.[1] ?? '?',
      roomSize: ROOM,
      actions: { joinNewRoom, join: joinCost, chat, flush, flushBatched, reconcile, heartbeat },
      model: {
        flushHz,
        heartbeatMs,
        redisCpuUsPerRoomSecond,
        commandsPerRoomSecond: perSecond((c) => c.commands),
        bytesPerRoomSecond: perSecond((c) => c.bytesIn + c.bytesOut),
        roomsPerShardAtHalfCore,
        membersPerShardAtHalfCore: roomsPerShardAtHalfCore * ROOM,
      },
    };
  });
}

export function formatCapacity(r: CapacityResult): string {
  const rows = Object.entries(r.actions).map(
    ([name, c]) => `  ${name.padEnd(12)} ${c.commands.toFixed(1).padStart(6)} cmds ${c.scriptCalls.toFixed(1).padStart(4)} scripts ${String(Math.round(c.bytesIn)).padStart(6)} B in ${String(Math.round(c.bytesOut)).padStart(6)} B out ${String(Math.round(c.redisCpuUs)).padStart(5)} µs`,
  );
  const m = r.model;
  return [
    `Redis ${r.redis}, rooms of ${r.roomSize}, half on each of two nodes${r.commit ? ` (${r.commit})` : ''}; per action:`,
    ...rows,
    `a room at ${m.flushHz} Hz: ${Math.round(m.commandsPerRoomSecond)} commands/s, ${Math.round(m.bytesPerRoomSecond / 1024)} KiB/s, ${Math.round(m.redisCpuUsPerRoomSecond)} µs/s of Redis CPU`,
    `one shard at half a core: ~${m.roomsPerShardAtHalfCore} such rooms (~${m.membersPerShardAtHalfCore} members)`,
  ].join('\n');
}
