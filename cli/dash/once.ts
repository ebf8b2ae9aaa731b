/**
 * `rtgw dash --once`: one snapshot of the gateway (stats, rooms, and with `--room` that room), as
 * plain text or JSON, for scripts and terminals without a TTY.
 */
import type { RoomDetail, RoomsResponse, StatsResponse } from '../../gateway/admin-schema.js';
import { age, clock, fit, metres, millis, plural, rate, right } from './format.js';
import { sortRooms } from './rooms-sort.js';
import type { DashSource } from './source.js';

export interface Snapshot {
  url: string;
  stats: StatsResponse;
  rooms: RoomsResponse['rooms'];
  /** With `--room`. */
  room?: RoomDetail;
}

export async function takeSnapshot(source: DashSource, roomId?: string): Promise<Snapshot> {
  const [stats, rooms, room] = await Promise.all([source.stats(), source.rooms(), roomId ? source.room(roomId) : undefined]);
  return { url: source.url, stats, rooms: rooms.rooms, ...(room ? { room } : {}) };
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

export function formatSnapshot({ url, stats, rooms, room }: Snapshot): string {
  const t = stats.total;
  const lines = [
    `rtgw ${url} · ${plural(t.nodes, 'node')} · store ${stats.store.kind} ${stats.store.ready ? 'ok' : 'DOWN'}`,
    `conns ${t.connections}  in ${rate(t.messagesInPerSec)}/s  out ${rate(t.messagesOutPerSec)}/s  drops ${t.drops}  rate-limited ${t.rateLimitHits}  auth-fail ${t.authFailures}  loop ${millis(t.eventLoopDelayP99Ms)}`,
    '',
    `${fit('ROOM', 24)} ${right('MEMBERS', 7)} ${right('TRANSFORMS/S', 12)} ${right('CHAT/S', 7)}`,
    ...(rooms.length === 0 ? ['(no room has members)'] : []),
    ...sortRooms(rooms, 'members').map((r) => `${fit(r.roomId, 24)} ${right(String(r.members), 7)} ${right(rate(r.transformsPerSec), 12)} ${right(rate(r.chatPerSec), 7)}`),
    '',
    `${fit('NODE', 28)} ${right('CONNS', 5)} ${right('MEMBERS', 7)} ${right('IN/S', 6)} ${right('OUT/S', 6)} ${right('DROPS', 5)} ${right('LOOP', 6)} STORE`,
    ...stats.nodes.map(
      (n) =>
        `${fit(n.nodeId, 28)} ${right(String(n.connections), 5)} ${right(String(n.members), 7)} ${right(rate(sum(n.messagesInPerSec)), 6)} ${right(rate(sum(n.messagesOutPerSec)), 6)} ${right(String(sum(n.drops)), 5)} ${right(millis(n.eventLoopDelayP99Ms), 6)} ${n.storeUp ? 'ok' : 'DOWN'}`,
    ),
  ];
  if (room) lines.push('', ...formatRoom(room));
  return lines.join('\n') + '\n';
}

function formatRoom(room: RoomDetail): string[] {
  const lines = [`room ${room.roomId} · ${plural(room.members.length, 'member')}`];
  lines.push(`${fit('NAME', 20)} ${fit('USER', 16)} ${fit('DEVICE', 7)} ${right('X', 7)} ${right('Y', 7)} ${right('Z', 7)} ${right('AGE', 5)}  NODE`);
  for (const m of room.members) {
    const p = m.transform?.p;
    const at = (i: number) => right(p ? metres(p[i]!) : '–', 7);
    const since = m.transform ? age(room.serverTime - m.transform.ts) : '–';
    lines.push(`${fit(m.displayName, 20)} ${fit(m.userId, 16)} ${fit(m.device, 7)} ${at(0)} ${at(1)} ${at(2)} ${right(since, 5)}  ${m.nodeId}`);
  }
  const chat = room.chat.slice(-10);
  lines.push('', chat.length ? `chat (last ${chat.length})` : 'chat: none yet');
  for (const m of chat) lines.push(`${clock(m.ts)} ${m.displayName}: ${m.text.replace(/\s+/g, ' ')}`);
  return lines;
}
