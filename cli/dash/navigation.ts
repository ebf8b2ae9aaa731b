/**
 * Which screen is shown and what is selected, as a reducer: key presses become actions, so quick
 * typing (↓ then Enter before the next frame) always acts on the newest state.
 */
import type { RoomSummary } from '../../gateway/admin-schema.js';
import { nextSort, sortRooms, type SortKey } from './rooms-sort.js';

export interface Navigation {
  /** The open room; undefined on the rooms list. */
  roomId: string | undefined;
  /** The highlighted room on the list (kept when the room is opened, for coming back). */
  selectedId: string | undefined;
  sort: SortKey;
}

export type NavigationAction =
  | { type: 'move'; by: 1 | -1; rooms: RoomSummary[] }
  | { type: 'open'; rooms: RoomSummary[] }
  | { type: 'back' }
  | { type: 'sort' };

export function initialNavigation(roomId?: string): Navigation {
  return { roomId, selectedId: roomId, sort: 'members' };
}

/** The list's selected index: the selected room's place, or the first row when it is gone. */
export function selectedIndex(sorted: RoomSummary[], selectedId: string | undefined): number {
  return Math.max(0, sorted.findIndex((r) => r.roomId === selectedId));
}

export function navigate(nav: Navigation, action: NavigationAction): Navigation {
  if (action.type === 'back') return nav.roomId ? { ...nav, roomId: undefined, selectedId: nav.roomId } : nav;
  if (nav.roomId) return nav; // the list's keys do nothing inside a room
  if (action.type === 'sort') return { ...nav, sort: nextSort(nav.sort) };
  const sorted = sortRooms(action.rooms, nav.sort);
  if (sorted.length === 0) return nav;
  const at = selectedIndex(sorted, nav.selectedId);
  if (action.type === 'open') return { ...nav, roomId: sorted[at]!.roomId, selectedId: sorted[at]!.roomId };
  const next = sorted[Math.min(sorted.length - 1, Math.max(0, at + action.by))]!;
  return { ...nav, selectedId: next.roomId };
}
