import { describe, expect, it } from 'vitest';
import { InterpolationBuffer, lerpVec3, normalizeQuat, slerp, type Quat, type Vec3 } from '../../client/index.js';

const yaw = (rad: number): Quat => [0, Math.sin(rad / 2), 0, Math.cos(rad / 2)];
const angleOf = (q: Quat) => 2 * Math.atan2(q[1], q[3]);
const length = (q: Quat) => Math.hypot(...q);
const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 9));

describe('vector and quaternion maths', () => {
  it('lerpVec3 blends componentwise, and extrapolates for t > 1', () => {
    expect(lerpVec3([0, 0, 0], [10, -4, 2], 0.25)).toEqual([2.5, -1, 0.5]);
    expect(lerpVec3([0, 0, 0], [10, 0, 0], 1.5)).toEqual([15, 0, 0]);
  });

  it('normalizeQuat returns unit length, and identity for a zero quaternion', () => {
    close(normalizeQuat([0, 2, 0, 0]), [0, 1, 0, 0]);
    expect(normalizeQuat([0, 0, 0, 0])).toEqual([0, 0, 0, 1]);
  });

  it('slerp hits both ends and turns at constant angular speed in between', () => {
    const a = yaw(0);
    const b = yaw(Math.PI / 2);
    close(slerp(a, b, 0), a);
    close(slerp(a, b, 1), b);
    for (const t of [0.1, 0.25, 0.5, 0.9]) expect(angleOf(slerp(a, b, t))).toBeCloseTo((Math.PI / 2) * t, 9);
  });

  it('slerp takes the shortest path: q and -q are the same rotation', () => {
    const a = yaw(0);
    const b = yaw(Math.PI / 2);
    const minusB = b.map((v) => -v) as Quat;
    const viaMinus = slerp(a, minusB, 0.5);
    expect(angleOf(viaMinus.map((v) => (viaMinus[3] < 0 ? -v : v)) as Quat)).toBeCloseTo(Math.PI / 4, 9);
    // From +170 degrees to -170 degrees is 20 degrees through 180, not 340 back through 0.
    const mid = slerp(yaw((170 * Math.PI) / 180), yaw((-170 * Math.PI) / 180), 0.5);
    expect(Math.abs(Math.abs(angleOf(mid)) - Math.PI)).toBeLessThan(1e-9);
  });

  it('slerp normalises its inputs and its output', () => {
    const out = slerp([0, 0, 0, 3], [0, 5, 0, 5], 0.5);
    expect(length(out)).toBeCloseTo(1, 12);
    expect(angleOf(out)).toBeCloseTo(Math.PI / 4, 9);
  });

  it('slerp of nearly equal rotations is stable (no division by sin 0)', () => {
    const q = slerp(yaw(0.1), yaw(0.1 + 1e-9), 0.5);
    expect(q.every(Number.isFinite)).toBe(true);
    expect(angleOf(q)).toBeCloseTo(0.1, 8);
  });
});

describe('InterpolationBuffer', () => {
  const p = (x: number): Vec3 => [x, 0, 0];

  it('renders 100 ms in the past, blending the two samples around that time', () => {
    const b = new InterpolationBuffer();
    b.push(1000, p(0), yaw(0));
    b.push(1100, p(10), yaw(Math.PI / 2));
    b.push(1200, p(20), yaw(Math.PI / 2));
    const s = b.sample(1150)!; // renders t = 1050
    expect(s.mode).toBe('interpolated');
    close(s.p, [5, 0, 0]);
    expect(angleOf(s.r)).toBeCloseTo(Math.PI / 4, 9);
  });

  it('holds the first sample before it and the only sample when there is one', () => {
    const b = new InterpolationBuffer();
    expect(b.sample(0)).toBeUndefined();
    b.push(1000, p(3), [0, 0, 0, 2]);
    expect(b.sample(5000)).toEqual({ p: p(3), r: [0, 0, 0, 1], mode: 'held' });
    b.push(1100, p(4), yaw(0));
    expect(b.sample(1050)).toMatchObject({ p: p(3), mode: 'held' });
  });

  it('extrapolates the last velocity when updates stop, capped at maxExtrapolationMs, then holds', () => {
    const b = new InterpolationBuffer({ delayMs: 100, maxExtrapolationMs: 250 });
    b.push(1000, p(0), yaw(0));
    b.push(1100, p(10), yaw(0.1));
    const ahead = b.sample(1250)!; // renders 1150: 50 ms past the last sample at 0.1 m/ms
    expect(ahead.mode).toBe('extrapolated');
    close(ahead.p, [15, 0, 0]);
    expect(angleOf(ahead.r)).toBeCloseTo(0.15, 9);
    const capped = b.sample(5000)!;
    expect(capped.mode).toBe('held');
    close(capped.p, [35, 0, 0]); // 10 + 250 ms * 0.1 m/ms, and no further
    expect(angleOf(capped.r)).toBeCloseTo(0.35, 9);
  });

  it('ignores samples older than the newest and replaces one with the same time', () => {
    const b = new InterpolationBuffer();
    expect(b.push(1000, p(0), yaw(0))).toBe(true);
    expect(b.push(1100, p(10), yaw(0))).toBe(true);
    expect(b.push(1050, p(99), yaw(0))).toBe(false);
    expect(b.push(1100, p(12), yaw(0))).toBe(true);
    expect(b.size).toBe(2);
    close(b.sample(1200)!.p, [12, 0, 0]);
  });

  it('keeps at most `capacity` samples', () => {
    const b = new InterpolationBuffer({ capacity: 4 });
    for (let i = 0; i < 10; i++) b.push(i * 50, p(i), yaw(0));
    expect(b.size).toBe(4);
  });

  it('makes 15 Hz updates with jitter render exactly on the true path at 60 fps', () => {
    // A member walking at 1.4 m/s along x; the server stamps updates at ~15 Hz with +-10 ms jitter.
    const b = new InterpolationBuffer();
    const speed = 1.4 / 1000;
    let t = 0;
    let lastX = -Infinity;
    for (let frame = 0; frame < 300; frame++) {
      const now = frame * (1000 / 60);
      while (t <= now) {
        b.push(t, p(t * speed), yaw(0));
        t += 1000 / 15 + (((frame * 7919) % 21) - 10);
      }
      const s = b.sample(now);
      if (!s || now < 200) continue;
      expect(s.mode).toBe('interpolated');
      expect(s.p[0]).toBeCloseTo((now - 100) * speed, 9); // on the true path, 100 ms behind
      expect(s.p[0]).toBeGreaterThan(lastX); // never backwards
      lastX = s.p[0];
    }
  });
});

describe('createAvatarSmoother', () => {
  it("keeps one buffer per remote member from a provider's events and samples them all", async () => {
    const { SimRealtimeProvider, createAvatarSmoother } = await import('../../client/index.js');
    const { ManualClock } = await import('./manual-clock.js');
    const clock = new ManualClock();
    const sim = new SimRealtimeProvider({ userId: 'me', clock, members: 2, chatEveryMs: 0, tickHz: 15 });
    const smoother = createAvatarSmoother(sim);
    const joined = sim.joinRoom('plaza');
    clock.advance(50);
    await joined;
    clock.advance(2000);
    const frame = smoother.sample();
    expect([...frame.keys()].sort()).toEqual(['sim-1', 'sim-2']);
    for (const s of frame.values()) expect(s.mode).toBe('interpolated');
    sim.removeMember('sim-1');
    expect([...smoother.sample().keys()]).toEqual(['sim-2']);
    smoother.dispose();
    await sim.disconnect();
  });
});
