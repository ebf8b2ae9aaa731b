/**
 * Client-side pacing of transforms: never more than the device's rate in any 1000 ms window (with
 * a safety margin), only the newest pending transform sent. Unit-tested on a virtual clock, then
 * shown end to end: a 60 Hz caller never makes the gateway drop a transform.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSFORM_RATE_PER_SECOND, transformIntervalMs, WsRealtimeProvider, type BroadcastTransform } from '../../client/index.js';
import { TransformPacer } from '../../client/pacer.js';
import { FakeGateway } from './fake-server.js';
import { nextEvent, record, startBackend, uid, wsCtor, type Backend } from './helpers.js';
import { ManualClock } from './manual-clock.js';

const maxInAnyWindow = (times: number[], windowMs = 1000) => {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
};

describe('TransformPacer', () => {
  it('paces at 90% of the device rate: 18/s desktop, 13.5/s mobile', () => {
    expect(1000 / transformIntervalMs('desktop', 0.9)).toBeCloseTo(18, 9);
    expect(1000 / transformIntervalMs('mobile', 0.9)).toBeCloseTo(13.5, 9);
  });

  for (const device of ['desktop', 'mobile'] as const) {
    it(`a 60 Hz caller on ${device} never exceeds ${TRANSFORM_RATE_PER_SECOND[device]} in any 1000 ms window, and the newest always goes out`, () => {
      const clock = new ManualClock();
      const sent: Array<{ at: number; n: number }> = [];
      const pacer = new TransformPacer<number>(clock, transformIntervalMs(device, 0.9), (n) => sent.push({ at: clock.now(), n }));
      pacer.resume();
      let n = 0;
      for (let frame = 0; frame < 600; frame++) {
        pacer.push(++n);
        clock.advance(1000 / 60);
      }
      clock.advance(1000);
      const times = sent.map((s) => s.at);
      expect(maxInAnyWindow(times)).toBeLessThanOrEqual(Math.floor(TRANSFORM_RATE_PER_SECOND[device] * 0.9) + 1);
      expect(maxInAnyWindow(times)).toBeLessThan(TRANSFORM_RATE_PER_SECOND[device]);
      expect(sent.at(-1)!.n).toBe(n);
      // Items only ever move forward: each send is the newest pushed at that moment.
      for (let i = 1; i < sent.length; i++) expect(sent[i]!.n).toBeGreaterThan(sent[i - 1]!.n);
      expect(pacer.takeSuperseded()).toBe(n - sent.length);
    });
  }

  it('sends at once when idle, holds only the newest while paused, and sends it on resume', () => {
    const clock = new ManualClock();
    const sent: string[] = [];
    const pacer = new TransformPacer<string>(clock, 50, (x) => sent.push(x));
    pacer.resume();
    pacer.push('a');
    expect(sent).toEqual(['a']);
    pacer.pause();
    pacer.push('b');
    pacer.push('c');
    clock.advance(500);
    expect(sent).toEqual(['a']);
    pacer.resume();
    expect(sent).toEqual(['a', 'c']);
    pacer.clear();
    clock.advance(500);
    expect(sent).toEqual(['a', 'c']);
  });
});

describe('pacing end to end', () => {
  let backend: Backend | undefined;
  const providers: WsRealtimeProvider[] = [];
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.disconnect()));
    await backend?.close();
  });

  for (const kind of ['gateway', 'fake'] as const) {
    it(`a 60 Hz sender is never rate-limited by the ${kind}, and peers end on its newest transform`, async () => {
      backend = await startBackend(kind, { rateLimitDebug: true });
      const make = (device: 'desktop' | 'mobile') => {
        const p = new WsRealtimeProvider({ url: backend!.url, userId: uid(device), device, WebSocket: wsCtor });
        providers.push(p);
        return p;
      };
      const sender = make('mobile');
      const watcher = make('desktop');
      const roomId = uid('room');
      await sender.joinRoom(roomId);
      await watcher.joinRoom(roomId);
      const senderId = sender.getState().self!.userId;
      const notices = record(sender, 'notice');
      const seen: BroadcastTransform[] = [];
      watcher.on('transforms', (list) => seen.push(...list.filter((t) => t.userId === senderId)));

      let x = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          sender.sendTransform([++x / 100, 0, 0], [0, 0, 0, 1], { anim: 'walk' });
          if (x === 120) {
            clearInterval(timer);
            resolve();
          }
        }, 1000 / 60);
      });
      await nextEvent(watcher, 'transforms', (list) => list.some((t) => t.userId === senderId && t.p[0] === 1.2), 3000);
      expect(notices.filter((n) => n.kind === 'rate_limited' && n.source === 'server')).toEqual([]);
      if (backend.fake) expect(backend.fake.droppedTransforms).toBe(0);
      expect(seen.at(-1)!.p).toEqual([1.2, 0, 0]);
      const seqs = seen.map((t) => t.seq!);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    });
  }

  it('with rateLimitDebug on, the client reports (at most once a second) how many transforms it coalesced', async () => {
    const fake = await FakeGateway.start();
    backend = { kind: 'fake', url: fake.url, port: fake.port, restart: () => fake.restart(), close: () => fake.close(), fake };
    const p = new WsRealtimeProvider({ url: fake.url, userId: uid('dbg'), WebSocket: wsCtor, rateLimitDebug: true });
    providers.push(p);
    await p.joinRoom(uid('room'));
    const notice = nextEvent(p, 'notice', (n) => n.kind === 'rate_limited');
    p.sendTransform([0, 0, 0], [0, 0, 0, 1]);
    for (let i = 1; i <= 10; i++) p.sendTransform([i, 0, 0], [0, 0, 0, 1]); // within one 55 ms slot
    expect(await notice).toMatchObject({ kind: 'rate_limited', what: 'transform', source: 'client', dropped: 9 });
  });
});
