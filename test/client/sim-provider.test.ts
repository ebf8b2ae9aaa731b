/**
 * The simulated provider on a virtual clock: deterministic for a seed, members that walk, turn and
 * chat, and a scripted drop that exercises a UI's reconnect path.
 */
import { describe, expect, it } from 'vitest';
import { SimRealtimeProvider, type BroadcastTransform, type RealtimeEvents } from '../../client/index.js';
import { ManualClock } from './manual-clock.js';

/** Run a sim for `ms` of virtual time and return every event it emitted, in order. */
async function runSim(seed: number, ms: number, extra: Partial<ConstructorParameters<typeof SimRealtimeProvider>[0]> = {}) {
  const clock = new ManualClock();
  const sim = new SimRealtimeProvider({ userId: 'me', seed, clock, members: 3, chatEveryMs: 4000, ...extra });
  const log: Array<[string, unknown]> = [];
  for (const name of ['roomState', 'memberJoined', 'memberLeft', 'transforms', 'chat', 'connectionState', 'notice'] as const) {
    sim.on(name, ((payload: unknown) => log.push([name, payload])) as RealtimeEvents[typeof name]);
  }
  const joined = sim.joinRoom('plaza');
  clock.advance(100);
  await joined;
  clock.advance(ms);
  return { sim, clock, log };
}

describe('SimRealtimeProvider', () => {
  it('is deterministic: the same seed and clock give the same events, another seed does not', async () => {
    const a = await runSim(7, 30_000);
    const b = await runSim(7, 30_000);
    const c = await runSim(8, 30_000);
    expect(JSON.stringify(a.log)).toBe(JSON.stringify(b.log));
    expect(JSON.stringify(a.log)).not.toBe(JSON.stringify(c.log));
    expect(a.log.length).toBeGreaterThan(300);
  });

  it('simulated members walk, turn and stay on the floor, with unit rotations', async () => {
    const { sim, log } = await runSim(3, 20_000, { areaSize: 5 });
    const others = sim.getState().members.filter((m) => m.userId !== 'me');
    expect(others).toHaveLength(3);
    const transforms = log.filter(([n]) => n === 'transforms').flatMap(([, list]) => list as BroadcastTransform[]);
    expect(new Set(transforms.map((t) => t.anim))).toEqual(new Set(['walk', 'idle', 'turn']));
    for (const t of transforms) {
      expect(Math.abs(t.p[0])).toBeLessThanOrEqual(5.01);
      expect(Math.abs(t.p[2])).toBeLessThanOrEqual(5.01);
      expect(Math.hypot(...t.r)).toBeCloseTo(1, 2);
    }
    const first = transforms.find((t) => t.userId === 'sim-1')!;
    const last = transforms.filter((t) => t.userId === 'sim-1').at(-1)!;
    expect(last.p).not.toEqual(first.p);
    expect(last.r).not.toEqual(first.r);
    // Step sizes are walking speed (1.4 m/s at 10 Hz = 0.14 m), never teleports.
    const mine = transforms.filter((t) => t.userId === 'sim-2');
    for (let i = 1; i < mine.length; i++) expect(Math.hypot(mine[i]!.p[0] - mine[i - 1]!.p[0], mine[i]!.p[2] - mine[i - 1]!.p[2])).toBeLessThanOrEqual(0.141);
  });

  it('simulated members chat now and then, with sortable unique ids kept in the state', async () => {
    const { sim, log } = await runSim(5, 60_000);
    const chats = log.filter(([n]) => n === 'chat').map(([, m]) => m as { id: string; userId: string });
    expect(chats.length).toBeGreaterThan(10);
    expect(new Set(chats.map((c) => c.id)).size).toBe(chats.length);
    expect([...chats.map((c) => c.id)].sort()).toEqual(chats.map((c) => c.id));
    expect(chats.every((c) => c.userId.startsWith('sim-'))).toBe(true);
    expect(sim.getState().chat.length).toBe(Math.min(50, chats.length));
  });

  it('simulateDrop goes reconnecting, then back to open with a rejoined room state and toasts', async () => {
    const { sim, clock } = await runSim(1, 1000);
    const states: string[] = [];
    const notices: string[] = [];
    let rejoined = false;
    sim.on('connectionState', (s) => states.push(s.status));
    sim.on('notice', (n) => notices.push(n.kind));
    sim.on('roomState', (r) => (rejoined = r.rejoined));
    const typed = sim.sendChat('typed during the drop');
    sim.simulateDrop(500);
    clock.advance(600);
    expect(states).toEqual(['reconnecting', 'open']);
    expect(notices).toEqual(['disconnected', 'reconnected']);
    expect(rejoined).toBe(true);
    clock.advance(100);
    await expect(typed).resolves.toMatchObject({ text: 'typed during the drop', userId: 'me' });
  });

  it('no network is touched: it works without url, fetch or WebSocket', async () => {
    const { sim } = await runSim(2, 100, { members: 0 });
    expect(sim.kind).toBe('sim');
    expect(sim.getState().members.map((m) => m.userId)).toEqual(['me']);
  });
});
