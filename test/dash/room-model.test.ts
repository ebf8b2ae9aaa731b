import { describe, expect, it } from 'vitest';
import { RoomModel } from '../../cli/dash/room-model.js';
import { SecondBuckets, WindowRate } from '../../cli/dash/traffic.js';
import { roomDetail, T0 } from './helpers.js';

const chat = (n: number, userId = 'ada') => ({ id: `01J${String(n).padStart(4, '0')}`, roomId: 'lobby', userId, displayName: userId, text: `hi ${n}`, ts: T0 + n });

function model() {
  let now = T0;
  const m = new RoomModel('lobby', () => now);
  return { m, advance: (ms: number) => (now += ms), at: () => now };
}

describe('RoomModel', () => {
  it('is not loaded and empty until the snapshot, then lists members in join order with markers', () => {
    const { m } = model();
    expect(m.view()).toMatchObject({ loaded: false, members: [], chat: [] });
    m.apply({ type: 'snapshot', ...roomDetail('lobby', ['Bot B', 'Bot A']) });
    const view = m.view();
    expect(view.loaded).toBe(true);
    expect(view.members.map((r) => [r.displayName, r.marker, r.device])).toEqual([
      ['Bot B', 'BB', 'desktop'],
      ['Bot A', 'BA', 'mobile'],
    ]);
  });

  it('follows joins, leaves and transforms; transforms of strangers are ignored', () => {
    const { m } = model();
    m.apply({ type: 'snapshot', ...roomDetail('lobby', ['ada']) });
    m.apply({ type: 'member_joined', member: { userId: 'bob', displayName: 'bob', device: 'mobile', joinedAt: T0 + 5, nodeId: 'node-b' } });
    m.apply({ type: 'transforms', transforms: [{ userId: 'bob', p: [3, 0, -2], r: [0, 0, 0, 1], ts: T0 }, { userId: 'ghost', p: [1, 1, 1], r: [0, 0, 0, 1], ts: T0 }] });
    expect(m.view().members.map((r) => [r.userId, r.nodeId, r.transform?.p])).toEqual([
      ['ada', 'node-a', [-4, 0, 4]],
      ['bob', 'node-b', [3, 0, -2]],
    ]);
    m.apply({ type: 'member_left', userId: 'ada', reason: 'left' });
    expect(m.view().members.map((r) => r.userId)).toEqual(['bob']);
  });

  it('ages transforms on the gateway clock, whatever the local clock says', () => {
    const { m, advance } = model();
    // The gateway's clock is 30 s ahead of ours; the transform was received 200 ms before the snapshot.
    m.apply({ type: 'snapshot', ...roomDetail('lobby', ['ada']), serverTime: T0 + 30_000 });
    m.apply({ type: 'transforms', transforms: [{ userId: 'ada', p: [0, 0, 0], r: [0, 0, 0, 1], ts: T0 + 29_800 }] });
    expect(m.view().members[0]!.ageMs).toBe(200);
    advance(1_000);
    expect(m.view().members[0]!.ageMs).toBe(1_200);
  });

  it('measures each member\'s update rate and the room\'s transforms per second, on the gateway\'s clock', () => {
    const { m, advance } = model();
    m.apply({ type: 'snapshot', ...roomDetail('lobby', ['ada', 'bob']) });
    // Three seconds of gateway time: ada moves 20 times a second, bob 10 times.
    const batches = Array.from({ length: 60 }, (_, i) => {
      const at = (ms: number) => ({ p: [i, 0, 0] as [number, number, number], r: [0, 0, 0, 1] as [number, number, number, number], ts: T0 + ms });
      return [{ userId: 'ada', ...at(i * 50) }, ...(i % 2 === 0 ? [{ userId: 'bob', ...at(i * 50) }] : [])];
    });
    // They arrive in two bursts (a busy dashboard machine): the rates do not care.
    advance(1_500);
    for (const transforms of batches.slice(0, 30)) m.apply({ type: 'transforms', transforms });
    advance(1_500);
    for (const transforms of batches.slice(30)) m.apply({ type: 'transforms', transforms });
    const view = m.view();
    expect(view.members.map((r) => r.updatesPerSec)).toEqual([20, 10]);
    expect(view.transformsPerSec).toBe(30);
    expect(view.history.transforms.slice(-3)).toEqual([30, 30, 30]);
  });

  it('keeps the newest 50 chat messages once each, ordered by id, and counts only new ones', () => {
    const { m, advance } = model();
    m.apply({ type: 'snapshot', ...roomDetail('lobby', ['ada']), chat: [chat(2), chat(1)] });
    for (let n = 3; n <= 60; n++) m.apply({ type: 'chat', message: chat(n) });
    m.apply({ type: 'chat', message: chat(60) });
    const view = m.view();
    expect(view.chat.map((c) => c.text)).toEqual(Array.from({ length: 50 }, (_, i) => `hi ${i + 11}`));
    advance(1_000);
    expect(m.view().history.chat.at(-1)).toBe(58);
  });

  it('a new snapshot (after a reconnect) replaces members and chat', () => {
    const { m } = model();
    m.apply({ type: 'snapshot', ...roomDetail('lobby', ['ada', 'bob']), chat: [chat(1)] });
    m.apply({ type: 'snapshot', ...roomDetail('lobby', ['bob']), chat: [chat(2)] });
    expect(m.view().members.map((r) => r.userId)).toEqual(['bob']);
    expect(m.view().chat.map((c) => c.id)).toEqual([chat(2).id]);
  });
});

describe('traffic counters', () => {
  it('SecondBuckets reports complete seconds only, oldest first', () => {
    const b = new SecondBuckets();
    b.add(T0 + 100, 3);
    b.add(T0 + 1_100, 5);
    b.add(T0 + 2_500, 7); // the current second
    expect(b.series(T0 + 2_600, 3)).toEqual([0, 3, 5]);
    expect(b.rate(T0 + 2_600, 2)).toBe(4);
    // Counting began at T0 + 1.1 s: only the one complete second since then is averaged.
    expect(b.rate(T0 + 2_600, 3, T0 + 1_100)).toBe(5);
  });

  it('WindowRate divides by the time watched when that is shorter than the window (but at least 1 s)', () => {
    const r = new WindowRate(T0, 3_000);
    for (let t = 100; t <= 2_000; t += 100) r.add(T0 + t);
    expect(r.rate(T0 + 2_000)).toBe(10);
    // 1.5 s .. 4.5 s holds the six events from 1.5 s to 2 s.
    expect(r.rate(T0 + 4_500)).toBe(2);
  });
});
