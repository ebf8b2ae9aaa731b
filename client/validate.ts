/** Argument checks both providers apply, so a bad call fails here and not as a server `bad_message`. */
import { ID_PATTERN, Limits } from '../protocol/index.js';
import type { TransformExtras } from './types.js';

export function roomIdError(roomId: unknown): TypeError | undefined {
  if (typeof roomId === 'string' && ID_PATTERN.test(roomId)) return undefined;
  return new TypeError('roomId must be 1..64 characters of [A-Za-z0-9_.:-]');
}

export function assertTransformArgs(p: unknown, r: unknown, extras: TransformExtras | undefined): void {
  if (!isVector(p, 3) || !isVector(r, 4)) {
    throw new TypeError(`sendTransform: p must be 3 and r 4 finite numbers with |value| <= ${Limits.MAX_ABS_COORD}`);
  }
  const anim = extras?.anim;
  if (anim !== undefined && (typeof anim !== 'string' || anim.length > Limits.MAX_ANIM_LENGTH)) {
    throw new TypeError(`sendTransform: anim must be a string of at most ${Limits.MAX_ANIM_LENGTH} characters`);
  }
}

function isVector(v: unknown, n: number): boolean {
  if (!Array.isArray(v) || v.length !== n) return false;
  for (const x of v) if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > Limits.MAX_ABS_COORD) return false;
  return true;
}
