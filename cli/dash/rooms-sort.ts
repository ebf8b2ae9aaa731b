/** The rooms view's sort orders, in the order `s` cycles through them. */
import type { RoomSummary } from '../../gateway/admin-schema.js';

export const SORT_KEYS = ['members', 'traffic', 'name'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const SORT_LABEL: Record<SortKey, string> = { members: 'members ↓', traffic: 'traffic ↓', name: 'name ↑' };

export function nextSort(key: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(key) + 1) % SORT_KEYS.length]!;
}

/** A sorted copy; ties are broken by room id so rows do not swap places between polls. */
export function sortRooms(rooms: RoomSummary[], key: SortKey): RoomSummary[] {
  const byName = (a: RoomSummary, b: RoomSummary) => (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0);
  const traffic = (r: RoomSummary) => r.transformsPerSec + r.chatPerSec;
  const compare: Record<SortKey, (a: RoomSummary, b: RoomSummary) => number> = {
    members: (a, b) => b.members - a.members || byName(a, b),
    traffic: (a, b) => traffic(b) - traffic(a) || byName(a, b),
    name: byName,
  };
  return [...rooms].sort(compare[key]);
}
