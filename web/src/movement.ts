/**
 * Walking on the floor, seen from above: screen up is world -z, screen right is +x. Pure
 * functions (poses in, poses out) plus the held-direction set the keyboard and the on-screen
 * buttons feed. An avatar faces where it walks; its rotation is a yaw about +Y, the same
 * convention as the SDK's simulated members (forward = (sin yaw, cos yaw) in x/z).
 */
import type { Quat, Vec3 } from '../../client/index.js';

export type Direction = 'up' | 'down' | 'left' | 'right';
export const DIRECTIONS: readonly Direction[] = ['up', 'down', 'left', 'right'];

export interface Pose {
  x: number;
  z: number;
  yaw: number;
}

/** Walking speed, m/s. */
export const SPEED = 3;
/** Half-width of the floor, m (the simulated members walk on the same 20 x 20 m square). */
export const FLOOR_HALF = 10;
/** How far one keyboard press of an on-screen button moves, m. */
export const NUDGE = 0.5;

/** `KeyboardEvent.code` (the physical key, so WASD works on any layout) or `key` for arrows. */
const KEYS: Record<string, Direction> = {
  KeyW: 'up', ArrowUp: 'up',
  KeyS: 'down', ArrowDown: 'down',
  KeyA: 'left', ArrowLeft: 'left',
  KeyD: 'right', ArrowRight: 'right',
};

export function directionForKey(code: string, key: string): Direction | undefined {
  return KEYS[code] ?? KEYS[key];
}

/** How far one frame walks. Capped: a tab that was in the background must not teleport its avatar. */
export function frameDistance(dtMs: number): number {
  return (SPEED * Math.min(Math.max(dtMs, 0), 100)) / 1000;
}

/** The pose after walking `distance` metres toward the held directions; null when none is held or they cancel out. */
export function step(pose: Pose, held: Iterable<Direction>, distance: number): Pose | null {
  let dx = 0;
  let dz = 0;
  for (const d of held) {
    if (d === 'left') dx -= 1;
    if (d === 'right') dx += 1;
    if (d === 'up') dz -= 1;
    if (d === 'down') dz += 1;
  }
  const len = Math.hypot(dx, dz);
  if (len === 0 || distance <= 0) return null;
  return {
    x: clamp(pose.x + (dx / len) * distance),
    z: clamp(pose.z + (dz / len) * distance),
    yaw: Math.atan2(dx, dz),
  };
}

export function poseToTransform(pose: Pose): { p: Vec3; r: Quat } {
  const half = pose.yaw / 2;
  return { p: [round(pose.x), 0, round(pose.z)], r: [0, round(Math.sin(half)), 0, round(Math.cos(half))] };
}

/** The heading of any rotation, projected on the floor: where its +z axis points. */
export function yawOf(r: Quat): number {
  const [x, y, z, w] = r;
  return Math.atan2(2 * (x * z + w * y), 1 - 2 * (x * x + y * y));
}

/** A starting spot near the middle, so two people who join see each other at once. */
export function spawnPose(random: () => number = Math.random): Pose {
  return { x: round((random() * 2 - 1) * 3), z: round((random() * 2 - 1) * 3), yaw: Math.PI };
}

/** Directions held by keys and by pointers on the on-screen buttons (each counted separately). */
export class HeldDirections {
  private readonly keys = new Set<Direction>();
  private readonly pointers = new Map<number, Direction>();

  press(direction: Direction, pointerId?: number): void {
    if (pointerId === undefined) this.keys.add(direction);
    else this.pointers.set(pointerId, direction);
  }

  release(direction: Direction, pointerId?: number): void {
    if (pointerId === undefined) this.keys.delete(direction);
    else if (this.pointers.get(pointerId) === direction) this.pointers.delete(pointerId);
  }

  /** Focus left the page: nothing is held any more (keyup would never arrive). */
  clear(): void {
    this.keys.clear();
    this.pointers.clear();
  }

  current(): Set<Direction> {
    return new Set([...this.keys, ...this.pointers.values()]);
  }
}

function clamp(v: number): number {
  return Math.max(-FLOOR_HALF, Math.min(FLOOR_HALF, v));
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
