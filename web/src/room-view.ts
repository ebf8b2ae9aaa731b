/**
 * The room seen from above, on a canvas: the 20 x 20 m floor with a 1 m grid, every member as a
 * coloured disc with a pointer showing where it faces and its name on a label. The page passes
 * each frame's avatars (its own pose, the others already smoothed); this file only draws, and
 * remembers what it drew last so the page's snapshot can report it.
 */
import { colourFor } from './dom.js';
import { FLOOR_HALF } from './movement.js';

export interface AvatarFrame {
  userId: string;
  name: string;
  x: number;
  z: number;
  yaw: number;
  self: boolean;
}

/** What main.ts draws each frame with: the 2D map here, or the 3D view (room-view-3d.ts). */
export interface RoomRenderer {
  readonly kind: '2d' | '3d';
  /** Draw one frame at `now` (the frame's time); `overlay` (e.g. "Reconnecting…") says why the room is dimmed. False: nothing drawn. */
  draw(avatars: AvatarFrame[], overlay: string | null, now: number): boolean;
  /** The avatars of the last frame drawn. */
  lastFrame(): AvatarFrame[];
  clear(): void;
}

const FLOOR_MARGIN_M = 1.2;
/** Drawn larger than a person (0.6 m) so an avatar and its heading read at a glance on a 20 m floor. */
const AVATAR_RADIUS_M = 0.6;

export class RoomView implements RoomRenderer {
  readonly kind = '2d';
  private readonly ctx: CanvasRenderingContext2D;
  private drawn: AvatarFrame[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  /** The avatars of the last frame drawn. */
  lastFrame(): AvatarFrame[] {
    return this.drawn.map((a) => ({ ...a }));
  }

  clear(): void {
    this.drawn = [];
  }

  /** Draw one frame; `overlay` (e.g. "Reconnecting…") dims the room and says why. */
  draw(avatars: AvatarFrame[], overlay: string | null, _now?: number): boolean {
    const { canvas, ctx } = this;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * dpr);
    const h = Math.round(canvas.clientHeight * dpr);
    if (w === 0 || h === 0) return false;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const scale = Math.min(w, h) / (2 * (FLOOR_HALF + FLOOR_MARGIN_M));
    const toX = (x: number) => w / 2 + x * scale;
    const toY = (z: number) => h / 2 + z * scale;

    ctx.fillStyle = '#dfe4ea';
    ctx.fillRect(0, 0, w, h);
    this.floor(toX, toY, scale, dpr);

    // Nearer the bottom of the screen draws later (on top); this user always last.
    const ordered = [...avatars].sort((a, b) => Number(a.self) - Number(b.self) || a.z - b.z);
    for (const a of ordered) this.avatar(a, toX(a.x), toY(a.z), scale, dpr);
    this.drawn = avatars.map((a) => ({ ...a }));

    if (overlay) {
      ctx.fillStyle = 'rgba(17, 24, 39, 0.55)';
      ctx.fillRect(0, 0, w, h);
      ctx.font = `600 ${Math.round(20 * dpr)}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const tw = ctx.measureText(overlay).width;
      ctx.fillStyle = 'rgba(17, 24, 39, 0.9)';
      roundRect(ctx, w / 2 - tw / 2 - 16 * dpr, h / 2 - 20 * dpr, tw + 32 * dpr, 40 * dpr, 8 * dpr);
      ctx.fill();
      ctx.fillStyle = '#ffffff';
      ctx.fillText(overlay, w / 2, h / 2);
    }
    return true;
  }

  private floor(toX: (x: number) => number, toY: (z: number) => number, scale: number, dpr: number): void {
    const { ctx } = this;
    const left = toX(-FLOOR_HALF);
    const top = toY(-FLOOR_HALF);
    const side = 2 * FLOOR_HALF * scale;
    ctx.fillStyle = '#fbfcfe';
    ctx.fillRect(left, top, side, side);
    for (let m = -FLOOR_HALF; m <= FLOOR_HALF; m++) {
      const major = m % 5 === 0;
      ctx.strokeStyle = major ? '#b9c2ce' : '#e4e8ee';
      ctx.lineWidth = (major ? 1.5 : 1) * dpr;
      ctx.beginPath();
      ctx.moveTo(toX(m), top);
      ctx.lineTo(toX(m), top + side);
      ctx.moveTo(left, toY(m));
      ctx.lineTo(left + side, toY(m));
      ctx.stroke();
    }
    ctx.strokeStyle = '#7d8896';
    ctx.lineWidth = 2 * dpr;
    ctx.strokeRect(left, top, side, side);
  }

  private avatar(a: AvatarFrame, x: number, y: number, scale: number, dpr: number): void {
    const { ctx } = this;
    const r = Math.max(AVATAR_RADIUS_M * scale, 11 * dpr);
    const colour = colourFor(a.userId);
    const fx = Math.sin(a.yaw);
    const fy = Math.cos(a.yaw);

    // Facing: a pointer in front of the disc.
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.moveTo(x + fx * r * 1.9, y + fy * r * 1.9);
    ctx.lineTo(x - fy * r * 0.7 + fx * r * 0.5, y + fx * r * 0.7 + fy * r * 0.5);
    ctx.lineTo(x + fy * r * 0.7 + fx * r * 0.5, y - fx * r * 0.7 + fy * r * 0.5);
    ctx.closePath();
    ctx.fill();

    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.lineWidth = 2 * dpr;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    if (a.self) {
      ctx.beginPath();
      ctx.arc(x, y, r + 3.5 * dpr, 0, Math.PI * 2);
      ctx.strokeStyle = '#111827';
      ctx.lineWidth = 2.5 * dpr;
      ctx.stroke();
    }

    const label = a.self ? `${a.name} (you)` : a.name;
    ctx.font = `600 ${Math.round(12 * dpr)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const tw = ctx.measureText(label).width;
    const lh = 18 * dpr;
    const ly = y - r - 8 * dpr - lh / 2 - (fy < -0.5 ? r * 0.8 : 0);
    ctx.fillStyle = 'rgba(17, 24, 39, 0.86)';
    roundRect(ctx, x - tw / 2 - 6 * dpr, ly - lh / 2, tw + 12 * dpr, lh, 5 * dpr);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ctx.fillText(label, x, ly + 0.5 * dpr);
  }
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}
