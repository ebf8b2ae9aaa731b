/**
 * Smoothing of remote avatars: a pure interpolation buffer (no clocks, no timers; the caller
 * passes times). Transforms arrive 15-20 times a second with network jitter; rendering each
 * avatar ~100 ms in the past means there is almost always a sample on each side of the render
 * time to blend between: position by lerp, rotation by slerp (normalised, shortest path). When
 * updates stop, the last motion is extrapolated for a bounded time and then held.
 */
import type { Quat, Vec3 } from './types.js';

export function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

export function lerpVec3(a: Vec3, b: Vec3, t: number): Vec3 {
  return [lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t)];
}

export function normalizeQuat(q: Quat): Quat {
  const len = Math.hypot(q[0], q[1], q[2], q[3]);
  if (len === 0 || !Number.isFinite(len)) return [0, 0, 0, 1];
  return [q[0] / len, q[1] / len, q[2] / len, q[3] / len];
}

/**
 * Spherical interpolation from `a` to `b` along the shorter arc. `t` outside [0, 1] extrapolates
 * along the same great circle. Inputs need not be unit length; the result is.
 */
export function slerp(a: Quat, b: Quat, t: number): Quat {
  const qa = normalizeQuat(a);
  let qb = normalizeQuat(b);
  let dot = qa[0] * qb[0] + qa[1] * qb[1] + qa[2] * qb[2] + qa[3] * qb[3];
  // q and -q are the same rotation; flipping one takes the short way round.
  if (dot < 0) {
    qb = [-qb[0], -qb[1], -qb[2], -qb[3]];
    dot = -dot;
  }
  if (dot > 0.9995) {
    // Nearly the same rotation: sin(theta) ~ 0, so normalised lerp is exact enough and stable.
    return normalizeQuat([lerp(qa[0], qb[0], t), lerp(qa[1], qb[1], t), lerp(qa[2], qb[2], t), lerp(qa[3], qb[3], t)]);
  }
  const theta = Math.acos(Math.min(1, dot));
  const sin = Math.sin(theta);
  const wa = Math.sin((1 - t) * theta) / sin;
  const wb = Math.sin(t * theta) / sin;
  return normalizeQuat([wa * qa[0] + wb * qb[0], wa * qa[1] + wb * qb[1], wa * qa[2] + wb * qb[2], wa * qa[3] + wb * qb[3]]);
}

export interface TransformSample {
  /** Time of the sample (the transform's server `ts`), in the same timebase as `sample(now)`. */
  t: number;
  p: Vec3;
  r: Quat;
}

export interface InterpolationOptions {
  /** How far in the past to render. Default 100 ms (covers one missed update at 15-20 Hz). */
  delayMs?: number;
  /** Longest extrapolation past the newest sample before holding still. Default 250 ms. */
  maxExtrapolationMs?: number;
  /** Samples kept. Default 32. */
  capacity?: number;
}

export interface SampledTransform {
  p: Vec3;
  r: Quat;
  /** `interpolated` between two samples, `extrapolated` past the newest, `held` at an end (or capped). */
  mode: 'interpolated' | 'extrapolated' | 'held';
}

export class InterpolationBuffer {
  private readonly samples: TransformSample[] = [];
  readonly delayMs: number;
  readonly maxExtrapolationMs: number;
  private readonly capacity: number;

  constructor(options: InterpolationOptions = {}) {
    this.delayMs = options.delayMs ?? 100;
    this.maxExtrapolationMs = options.maxExtrapolationMs ?? 250;
    this.capacity = Math.max(2, options.capacity ?? 32);
  }

  get size(): number {
    return this.samples.length;
  }

  /** Add a sample. Older than the newest: ignored (returns false); same time: replaces it. */
  push(t: number, p: Vec3, r: Quat): boolean {
    const last = this.samples[this.samples.length - 1];
    if (last && t < last.t) return false;
    if (last && t === last.t) this.samples.pop();
    this.samples.push({ t, p, r });
    if (this.samples.length > this.capacity) this.samples.shift();
    return true;
  }

  clear(): void {
    this.samples.length = 0;
  }

  /** The transform to render at `now` (i.e. as it was at `now - delayMs`); undefined when empty. */
  sample(now: number): SampledTransform | undefined {
    const s = this.samples;
    const first = s[0];
    if (!first) return undefined;
    const at = now - this.delayMs;
    if (s.length === 1 || at <= first.t) return { p: first.p, r: normalizeQuat(first.r), mode: 'held' };
    const last = s[s.length - 1]!;
    if (at >= last.t) return this.extrapolate(s[s.length - 2]!, last, at - last.t);
    // Drop samples the render time has passed for good (keep one before it).
    while (s.length > 2 && s[1]!.t <= at) s.shift();
    let i = 0;
    while (s[i + 1]!.t <= at) i++;
    const a = s[i]!;
    const b = s[i + 1]!;
    const k = (at - a.t) / (b.t - a.t);
    return { p: lerpVec3(a.p, b.p, k), r: slerp(a.r, b.r, k), mode: 'interpolated' };
  }

  private extrapolate(prev: TransformSample, last: TransformSample, ahead: number): SampledTransform {
    const span = last.t - prev.t;
    if (ahead === 0 || span <= 0) return { p: last.p, r: normalizeQuat(last.r), mode: 'held' };
    const capped = Math.min(ahead, this.maxExtrapolationMs);
    // Continue the last segment's velocity (and angular velocity) for at most maxExtrapolationMs.
    const k = 1 + capped / span;
    return {
      p: lerpVec3(prev.p, last.p, k),
      r: slerp(prev.r, last.r, k),
      mode: ahead > this.maxExtrapolationMs ? 'held' : 'extrapolated',
    };
  }
}
