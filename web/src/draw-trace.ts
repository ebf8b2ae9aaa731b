/**
 * `window.__rtgwTrace`: the last frames this page drew, each with its time and where every avatar
 * was, for measuring input-to-display latency across two pages (`npm run bench:web`). Times are
 * milliseconds since the epoch at sub-millisecond resolution (`performance.timeOrigin + now`), so
 * two pages on one machine can be compared. Bounded: the newest `capacity` frames.
 */
import type { AvatarFrame } from './room-view.js';

export interface TraceFrame {
  at: number;
  avatars: Array<{ userId: string; x: number; z: number }>;
}

export interface DrawTrace {
  frames: TraceFrame[];
  /** Movement keys pressed (not auto-repeats) and released, with their event time. */
  keys: Array<{ code: string; type: 'down' | 'up'; at: number }>;
}

declare global {
  interface Window {
    readonly __rtgwTrace: DrawTrace;
  }
}

export class DrawTraceRecorder {
  private readonly frames: TraceFrame[] = [];
  private readonly keys: DrawTrace['keys'] = [];

  constructor(private readonly capacity = 600) {
    Object.defineProperty(window, '__rtgwTrace', { get: () => this.copy(), enumerable: false, configurable: false });
  }

  frame(at: number, avatars: readonly AvatarFrame[]): void {
    this.frames.push({ at, avatars: avatars.map((a) => ({ userId: a.userId, x: a.x, z: a.z })) });
    if (this.frames.length > this.capacity) this.frames.shift();
  }

  key(code: string, type: 'down' | 'up', at: number): void {
    this.keys.push({ code, type, at });
    if (this.keys.length > 100) this.keys.shift();
  }

  private copy(): DrawTrace {
    return structuredClone({ frames: this.frames, keys: this.keys });
  }
}

/** Epoch milliseconds for a `performance.now()`-based time (event.timeStamp, rAF time). */
export const epochMs = (perfNow: number): number => performance.timeOrigin + perfNow;
