/**
 * The page's own latency figures for the debug overlay (`&debug=1`), in the server's timebase
 * (`provider.serverNow()`, which transform `ts` uses: the gateway stamps `ts` when it receives a
 * transform):
 *   - key -> sent: from a movement key going down to this user's first transform leaving the SDK
 *     (the next frame plus the SDK's pacer);
 *   - gateway -> drawn: from the gateway receiving a remote member's first moving transform to this
 *     page first drawing that avatar away from where it stood (the flush wait, the network to here,
 *     the smoother and the next frame).
 * Their sum is the input-to-display latency a person on the other page sees, less the network from
 * the sender to the gateway (on one machine, well under a millisecond). `npm run bench:web`
 * measures the whole path across two real pages; this is the live view of the same figure.
 * Pure: times are passed in, nothing is read from a clock here.
 */
import type { BroadcastTransform } from '../../client/index.js';
import type { AvatarFrame } from './room-view.js';

/** Moves smaller than this (m) are not motion: poses are rounded to 1 mm on the wire. */
const STILL_M = 0.002;
/** Figures kept for the percentiles. */
const KEEP = 50;

export interface LatencyFigures {
  n: number;
  p50: number | null;
  p95: number | null;
}

export class LatencyMeter {
  private readonly last = new Map<string, { x: number; z: number; moving: boolean }>();
  private readonly pending = new Map<string, { ts: number; x: number; z: number }>();
  private readonly remote: number[] = [];
  private readonly input: number[] = [];
  private keyAt: number | null = null;

  /** Transforms as they arrive (the SDK's `transforms` event); `selfId`'s own are not in it. */
  onTransforms(list: readonly BroadcastTransform[]): void {
    for (const t of list) {
      const x = t.p[0];
      const z = t.p[2];
      const prev = this.last.get(t.userId);
      const moved = !!prev && Math.hypot(x - prev.x, z - prev.z) > STILL_M;
      if (prev && moved && !prev.moving && !this.pending.has(t.userId)) this.pending.set(t.userId, { ts: t.ts, x: prev.x, z: prev.z });
      this.last.set(t.userId, { x, z, moving: moved });
    }
  }

  /** A movement key went down while this user stood still (`now`: server time). */
  onKeyDown(now: number): void {
    this.keyAt ??= now;
  }

  /** This user's newest sent transform's `ts` (server time at sending), if any. */
  onOwnSent(ts: number | undefined): void {
    if (this.keyAt === null || ts === undefined || ts < this.keyAt) return;
    push(this.input, ts - this.keyAt);
    this.keyAt = null;
  }

  get waitingForOwnSend(): boolean {
    return this.keyAt !== null;
  }

  /** A frame drawn at server time `now`. */
  onFrame(avatars: readonly AvatarFrame[], now: number): void {
    for (const a of avatars) {
      const p = this.pending.get(a.userId);
      if (p && Math.hypot(a.x - p.x, a.z - p.z) > STILL_M) {
        push(this.remote, Math.max(0, now - p.ts));
        this.pending.delete(a.userId);
      }
    }
  }

  forget(userId: string): void {
    this.last.delete(userId);
    this.pending.delete(userId);
  }

  figures(): { keyToSent: LatencyFigures; gatewayToDrawn: LatencyFigures } {
    return { keyToSent: summarise(this.input), gatewayToDrawn: summarise(this.remote) };
  }
}

function push(list: number[], v: number): void {
  list.push(Math.round(v));
  if (list.length > KEEP) list.shift();
}

/** Nearest-rank percentiles. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function summarise(values: readonly number[]): LatencyFigures {
  return { n: values.length, p50: percentile(values, 0.5), p95: percentile(values, 0.95) };
}
