/**
 * Who is where, in words: the text description of the room view (2D or 3D) for people who do not
 * see the canvas. Positions are rounded to whole metres from the middle of the floor, so the text
 * changes when someone has really moved, not every frame.
 */
import type { AvatarFrame } from './room-view.js';

const COMPASS = ['south', 'south-east', 'east', 'north-east', 'north', 'north-west', 'west', 'south-west'] as const;

/** Forward is (sin yaw, cos yaw) in x/z, +x is east and -z north: yaw 0 faces south. */
export function facing(yaw: number): (typeof COMPASS)[number] {
  const i = Math.round(yaw / (Math.PI / 4));
  return COMPASS[((i % 8) + 8) % 8]!;
}

function where(x: number, z: number): string {
  const ew = Math.round(x);
  const ns = Math.round(-z);
  const parts = [
    ns !== 0 ? `${Math.abs(ns)} m ${ns > 0 ? 'north' : 'south'}` : '',
    ew !== 0 ? `${Math.abs(ew)} m ${ew > 0 ? 'east' : 'west'}` : '',
  ].filter(Boolean);
  return parts.length ? `${parts.join(' and ')} of the middle` : 'in the middle';
}

export function describeRoom(avatars: readonly AvatarFrame[]): string {
  if (avatars.length === 0) return 'Nobody is drawn in the room yet.';
  const ordered = [...avatars].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
  return ordered.map((a) => `${a.self ? `${a.name} (you)` : a.name}: ${where(a.x, a.z)}, facing ${facing(a.yaw)}.`).join(' ');
}
