/**
 * The simulated room: members who walk between random waypoints, turn toward where they go,
 * pause, and chat. Pure given its random source: the same seed and the same step times give the
 * same transforms and lines. Knows nothing of events or timers (sim-provider.ts drives it).
 */
import type { BroadcastTransform, Member } from '../protocol/index.js';

const NAMES = ['Ada', 'Bashir', 'Chen', 'Dalia', 'Emeka', 'Freya', 'Goran', 'Hana', 'Ines', 'Jun', 'Kofi', 'Lena'];
const LINES = [
  'hi all', 'anyone here?', 'nice room', 'brb', 'look at this view', 'who built this?', 'lol',
  'heading to the stage', 'can you hear me?', 'same here', 'see you later', 'this is smooth', '👋',
];

const WALK_SPEED = 1.4; // m/s
const TURN_RATE = Math.PI; // rad/s
const ARRIVED = 0.3; // m

interface Walker {
  member: Member;
  x: number;
  z: number;
  yaw: number;
  targetX: number;
  targetZ: number;
  /** World time (ms) until which the member stands still. */
  pauseUntil: number;
  seq: number;
}

export class SimWorld {
  private readonly walkers = new Map<string, Walker>();
  private serial = 0;

  constructor(
    private readonly random: () => number,
    private readonly areaSize: number,
  ) {}

  /** A new simulated member at a random spot. */
  spawn(now: number): Member {
    const n = ++this.serial;
    const name = NAMES[(n - 1) % NAMES.length]!;
    const userId = `sim-${n}`;
    const member: Member = { userId, displayName: n > NAMES.length ? `${name} ${Math.ceil(n / NAMES.length)}` : name, device: this.random() < 0.3 ? 'mobile' : 'desktop', joinedAt: now };
    const w: Walker = { member, x: this.coord(), z: this.coord(), yaw: this.random() * 2 * Math.PI - Math.PI, targetX: 0, targetZ: 0, pauseUntil: now, seq: 0 };
    this.pickTarget(w);
    this.walkers.set(userId, w);
    member.transform = this.transform(w, now, 'idle');
    return { ...member };
  }

  remove(userId: string): boolean {
    return this.walkers.delete(userId);
  }

  has(userId: string): boolean {
    return this.walkers.has(userId);
  }

  ids(): string[] {
    return [...this.walkers.keys()];
  }

  members(): Member[] {
    return [...this.walkers.values()].map((w) => ({ ...w.member }));
  }

  /** Advance every member by `dtMs` ending at `now`; returns each one's new transform. */
  step(dtMs: number, now: number): BroadcastTransform[] {
    const out: BroadcastTransform[] = [];
    const dt = dtMs / 1000;
    for (const w of this.walkers.values()) {
      let anim = 'idle';
      if (now >= w.pauseUntil) {
        const dx = w.targetX - w.x;
        const dz = w.targetZ - w.z;
        if (Math.hypot(dx, dz) < ARRIVED) {
          w.pauseUntil = now + 500 + this.random() * 2500;
          this.pickTarget(w);
        } else {
          // Turn toward the target at a bounded rate; walk only when roughly facing it.
          const err = wrapAngle(Math.atan2(dx, dz) - w.yaw);
          w.yaw = wrapAngle(w.yaw + Math.sign(err) * Math.min(Math.abs(err), TURN_RATE * dt));
          if (Math.abs(err) < Math.PI / 3) {
            const d = Math.min(WALK_SPEED * dt, Math.hypot(dx, dz));
            w.x += Math.sin(w.yaw) * d;
            w.z += Math.cos(w.yaw) * d;
            anim = 'walk';
          } else anim = 'turn';
        }
      }
      const t = this.transform(w, now, anim);
      w.member.transform = t;
      out.push({ userId: w.member.userId, ...t });
    }
    return out;
  }

  /** Place a member explicitly (demo scripts, tests). */
  place(userId: string, p: [number, number, number], yaw: number, now: number): BroadcastTransform | undefined {
    const w = this.walkers.get(userId);
    if (!w) return undefined;
    [w.x, , w.z] = p;
    w.yaw = yaw;
    w.pauseUntil = now + 1000;
    const t = this.transform(w, now, 'idle');
    w.member.transform = t;
    return { userId, ...t };
  }

  /** A random chat line. */
  line(): string {
    return LINES[Math.floor(this.random() * LINES.length)]!;
  }

  private transform(w: Walker, now: number, anim: string): NonNullable<Member['transform']> {
    const half = w.yaw / 2;
    return {
      p: [round(w.x), 0, round(w.z)],
      // Rotation about +Y by `yaw`: [0, sin(yaw/2), 0, cos(yaw/2)].
      r: [0, round(Math.sin(half)), 0, round(Math.cos(half))],
      seq: ++w.seq,
      anim,
      ts: now,
    };
  }

  private pickTarget(w: Walker): void {
    w.targetX = this.coord();
    w.targetZ = this.coord();
  }

  private coord(): number {
    return (this.random() * 2 - 1) * this.areaSize;
  }
}

function wrapAngle(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
