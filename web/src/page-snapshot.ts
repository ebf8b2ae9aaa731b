/**
 * `window.__rtgw`: a read-only, frozen copy of what the page shows (connection, members with
 * where their avatars were drawn, chat, toasts), taken when read. End-to-end tests and curious
 * developers assert on it instead of on pixels; nothing can be changed through it.
 */
import type { ConnectionState, Device } from '../../client/index.js';
import type { StatusKey, ToastSpec } from './feedback-text.js';
import type { LatencyMeter } from './latency-meter.js';

export interface PageSnapshot {
  /** `ws` (gateway) or `sim`; null before the first join. */
  provider: 'ws' | 'sim' | null;
  /** The view drawing the room: `3d` (three.js) or the `2d` map. */
  view: '2d' | '3d';
  /** Whether the 3D view could be used: `loading` until known, `unavailable` without WebGL. */
  webgl: 'loading' | 'available' | 'unavailable';
  /** When the last frame was drawn, ms since the epoch (null: none yet). */
  frameAt: number | null;
  /** The room view's text description (who is where). */
  description: string;
  /** The debug overlay's figures (see latency-meter.ts), kept with or without `&debug=1`. */
  latency: ReturnType<LatencyMeter['figures']>;
  status: StatusKey;
  statusText: string;
  connection: ConnectionState | null;
  roomId: string | null;
  self: { userId: string; displayName: string; device: Device; x: number; z: number; yaw: number } | null;
  /** Everyone in the member list; `avatar` is where the room view drew them last frame (null: not drawn). */
  members: Array<{ userId: string; displayName: string; device: Device; self: boolean; avatar: { x: number; z: number; yaw: number } | null }>;
  chat: Array<{ id: string; userId: string; displayName: string; text: string }>;
  /** Toasts on screen now. */
  toasts: ToastSpec[];
  /** Every toast shown (the last 50), on screen or gone. */
  toastLog: ToastSpec[];
}

declare global {
  interface Window {
    readonly __rtgw: PageSnapshot;
  }
}

export function exposeSnapshot(take: () => PageSnapshot): void {
  Object.defineProperty(window, '__rtgw', { get: () => deepFreeze(take()), enumerable: false, configurable: false });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
