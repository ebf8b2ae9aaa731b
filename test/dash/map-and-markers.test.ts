import { describe, expect, it } from 'vitest';
import { assignMarkers } from '../../cli/dash/markers.js';
import { drawMap, niceExtent } from '../../cli/dash/minimap.js';

const named = (...names: string[]) => names.map((displayName, i) => ({ userId: `u${i}`, displayName }));

describe('map markers', () => {
  it('are initials for several words and the first two letters for one', () => {
    expect([...assignMarkers(named('bot-1', 'bot-2', 'Ada Lovelace', 'alice')).values()]).toEqual(['B1', 'B2', 'AL', 'Al']);
  });

  it('stay unique when names clash, falling back to other letters and then digits', () => {
    const markers = [...assignMarkers(named('Alice', 'Alina', 'Al', 'A')).values()];
    expect(new Set(markers).size).toBe(4);
    expect(markers).toEqual(['Al', 'Ai', 'A1', 'A2']);
  });

  it('are two one-column characters even for names without letters or with wide ones', () => {
    for (const marker of assignMarkers(named('🙂🙂', '東京', '---')).values()) expect(marker).toMatch(/^[\x20-\x7e]{2}$/);
  });
});

describe('mini-map', () => {
  it('grows its scale in 1-2-5 steps, never below 5 m', () => {
    expect([0, 4, 5, 6, 10.5, 20, 33, 150].map(niceExtent)).toEqual([5, 5, 5, 10, 20, 20, 50, 200]);
  });

  it('puts the origin in the middle, +x to the right and +z downwards', () => {
    const { lines, extent } = drawMap(
      [
        { marker: 'EE', x: 10, z: 0 },
        { marker: 'WW', x: -10, z: 0 },
        { marker: 'SS', x: 0, z: 10 },
        { marker: 'NN', x: 0, z: -10 },
      ],
      22,
      5,
    );
    expect(extent).toBe(10);
    expect(lines).toEqual([
      '          NN          ',
      '                      ',
      'WW         +        EE',
      '                      ',
      '          SS          ',
    ]);
  });

  it('moves a marker aside instead of hiding another on the same spot', () => {
    const { lines } = drawMap(
      [
        { marker: 'AA', x: 0, z: 0 },
        { marker: 'BB', x: 0, z: 0 },
      ],
      12,
      3,
    );
    expect(lines.join('\n')).toContain('AA');
    expect(lines.join('\n')).toContain('BB');
  });

  it('keeps far-away members inside the frame by widening the scale', () => {
    const { lines, extent } = drawMap([{ marker: 'FF', x: 480, z: -30 }], 20, 4);
    expect(extent).toBe(500);
    expect(lines.every((line) => line.length === 20)).toBe(true);
    expect(lines.join('')).toContain('FF');
  });
});
