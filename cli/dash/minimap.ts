/**
 * The mini-map as text: members' x/z positions seen from above (x to the right, z downwards),
 * scaled so that everyone fits. The map is centred on the origin (marked "+") and its half-width
 * grows in 1-2-5 steps (5 m, 10 m, 20 m, 50 m, …) so it does not jump with every step a member takes.
 */
export interface MapPoint {
  /** Two characters (see markers.ts). */
  marker: string;
  x: number;
  z: number;
}

export interface MapPicture {
  lines: string[];
  /** Metres from the centre to the left and right edges. */
  extent: number;
}

const MIN_EXTENT = 5;

export function drawMap(points: MapPoint[], width: number, height: number): MapPicture {
  const w = Math.max(2, width);
  const h = Math.max(1, height);
  const extent = niceExtent(Math.max(MIN_EXTENT, ...points.map((p) => Math.max(Math.abs(p.x), Math.abs(p.z)))));
  const grid = Array.from({ length: h }, () => Array<string>(w).fill(' '));
  const colOf = (x: number) => clamp(Math.round(((x + extent) / (2 * extent)) * (w - 2)), 0, w - 2);
  const rowOf = (z: number) => clamp(Math.round(((z + extent) / (2 * extent)) * (h - 1)), 0, h - 1);
  grid[rowOf(0)]![colOf(0) + 1] = '+';
  const used = new Set<string>();
  for (const { marker, x, z } of points) {
    const spot = freeSpot(colOf(x), rowOf(z), w, h, used);
    if (!spot) continue; // a crowded map: the member table still lists everyone
    const [col, row] = spot;
    used.add(`${col},${row}`).add(`${col + 1},${row}`);
    const [a = '?', b = ' '] = [...marker];
    grid[row]![col] = a;
    grid[row]![col + 1] = b;
  }
  return { lines: grid.map((row) => row.join('')), extent };
}

/** The smallest of 5, 10, 20, 50, 100, … that is at least `metres`. */
export function niceExtent(metres: number): number {
  for (let scale = 1; ; scale *= 10) {
    for (const step of [5, 10, 20]) if (step * scale >= metres) return step * scale;
    if (scale > 1e6) return metres; // beyond the protocol's coordinate range anyway
  }
}

/** The nearest two free cells on the row, then on the rows above and below. */
function freeSpot(col: number, row: number, w: number, h: number, used: Set<string>): [number, number] | undefined {
  const free = (c: number, r: number) => c >= 0 && c <= w - 2 && r >= 0 && r < h && !used.has(`${c},${r}`) && !used.has(`${c + 1},${r}`);
  for (const dr of [0, -1, 1]) for (const dc of [0, 2, -2, 1, -1]) if (free(col + dc, row + dr)) return [col + dc, row + dr];
  return undefined;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));
