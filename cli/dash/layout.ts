/**
 * How the screens share the terminal. Frames stay one line shorter than the terminal: ink redraws
 * a shorter frame in place, but clears the whole screen for one that fills it (which flickers).
 */
export interface Size {
  columns: number;
  rows: number;
}

/** Below this the dashboard only says that the terminal is too small. */
export const MIN_SIZE: Size = { columns: 60, rows: 16 };

/** Header (2 lines) and the screen's title line. */
const TOP = 3;

export function tooSmall({ columns, rows }: Size): boolean {
  return columns < MIN_SIZE.columns || rows < MIN_SIZE.rows;
}

export interface RoomLayout {
  /** The members box and the map box, side by side, borders included. */
  panelHeight: number;
  memberWidth: number;
  mapWidth: number;
  /** Chat lines under the panels (after a title line). */
  chatLines: number;
}

export function roomLayout({ columns, rows }: Size): RoomLayout {
  // TOP, panels, chat title, chat, traffic line.
  const flexible = rows - 1 - TOP - 1 - 1;
  const chatLines = Math.min(10, Math.max(2, Math.round(flexible * 0.3)));
  const memberWidth = Math.min(64, Math.max(40, Math.round(columns * 0.6)));
  return { panelHeight: flexible - chatLines, memberWidth, mapWidth: columns - memberWidth, chatLines };
}

export interface RoomsLayout {
  /** Rows for the room list, its header row included. */
  listHeight: number;
  /** Rows for the node table, its header row included. */
  nodeHeight: number;
}

export function roomsLayout({ rows }: Size, nodes: number): RoomsLayout {
  // TOP, list, nodes title, node table, traffic line.
  const flexible = rows - 1 - TOP - 1 - 1;
  const nodeHeight = Math.min(1 + Math.max(1, nodes), Math.max(2, Math.floor(flexible / 3)));
  return { listHeight: flexible - nodeHeight, nodeHeight };
}
