import { describe, expect, it } from 'vitest';
import { initialNavigation, navigate, selectedIndex } from '../../cli/dash/navigation.js';
import { sortRooms } from '../../cli/dash/rooms-sort.js';

const rooms = [
  { roomId: 'b', members: 1, transformsPerSec: 200, chatPerSec: 0 },
  { roomId: 'c', members: 9, transformsPerSec: 10, chatPerSec: 1 },
  { roomId: 'a', members: 4, transformsPerSec: 50, chatPerSec: 0 },
];

describe('navigation', () => {
  it('moves the selection within the sorted list, stopping at both ends', () => {
    let nav = initialNavigation();
    expect(sortRooms(rooms, nav.sort).map((r) => r.roomId)).toEqual(['c', 'a', 'b']);
    nav = navigate(nav, { type: 'move', by: 1, rooms });
    nav = navigate(nav, { type: 'move', by: 1, rooms });
    nav = navigate(nav, { type: 'move', by: 1, rooms });
    expect(nav.selectedId).toBe('b');
    nav = navigate(nav, { type: 'move', by: -1, rooms });
    expect(nav.selectedId).toBe('a');
  });

  it('keys pressed faster than frames act on the newest state: down then Enter opens the second room', () => {
    const nav = [{ type: 'move', by: 1, rooms } as const, { type: 'open', rooms } as const].reduce(navigate, initialNavigation());
    expect(nav).toEqual({ roomId: 'a', selectedId: 'a', sort: 'members' });
  });

  it('back returns to the list with the room still selected; list keys do nothing inside a room', () => {
    const inRoom = initialNavigation('c');
    expect(navigate(inRoom, { type: 'move', by: 1, rooms })).toBe(inRoom);
    expect(navigate(inRoom, { type: 'sort' })).toBe(inRoom);
    expect(navigate(inRoom, { type: 'back' })).toEqual({ roomId: undefined, selectedId: 'c', sort: 'members' });
  });

  it('the selection follows its room when the order changes, and falls back to the first row when it is gone', () => {
    let nav = navigate(initialNavigation(), { type: 'move', by: 1, rooms }); // 'a'
    nav = navigate(nav, { type: 'sort' }); // by traffic: b, a, c
    expect(selectedIndex(sortRooms(rooms, nav.sort), nav.selectedId)).toBe(1);
    expect(selectedIndex(sortRooms(rooms.filter((r) => r.roomId !== 'a'), nav.sort), nav.selectedId)).toBe(0);
    expect(navigate(initialNavigation(), { type: 'open', rooms: [] })).toEqual(initialNavigation());
  });
});
