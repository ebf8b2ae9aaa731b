/**
 * The transform limit shapes what a sender *emits* (issue 11): for any send rate at or above the
 * limit, others see the sender at (close to) the limit, evenly spaced, always at its newest
 * position; a sender at the limit with ordinary timer jitter loses nothing. Only a sustained flood
 * far past the limit is closed (4008).
 *
 * The figures are checked twice: exactly, by driving the room's flush with a simulated clock, and
 * end to end over real sockets with real timers (where the machine's own jitter adds to the gaps).
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode, TRANSFORM_RATE_PER_SECOND, type BroadcastTransform } from '../../protocol/index.js';
import { EmitShaper, SlidingWindowLimiter, SustainedRate } from '../../gateway/rate-limit.js';
import { LocalRoom, type RoomSession, type TransformSender } from '../../gateway/room.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { joinAs } from '../helpers/ws-client.js';

afterEach(closeTestGateways);
const R: [number, number, number, number] = [0, 0, 0, 1];
const FLUSH_MS = 50;

describe('SlidingWindowLimiter (chat fallback)', () => {
  it('allows at most `limit` events in any window, including across window boundaries', () => {
    const limiter = new SlidingWindowLimiter(20, 1000);
    const accepted: number[] = [];
    for (let t = 0; t < 3000; t += 10) if (limiter.take(t)) accepted.push(t); // 100/s offered
    for (const start of accepted) expect(accepted.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(20);
    expect(accepted.length).toBe(60);
  });
});

/** A deterministic pseudo-random sequence (so a failure can be replayed). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Run {
  /** Times at which the observer received a frame with the sender's transform. */
  seen: number[];
  /** Sequence numbers seen, in order. */
  seqs: number[];
  sent: number;
  superseded: number;
}

/**
 * One sender at `hz` (each send `jitterMs` early or late at random) and one observer in a real
 * LocalRoom, flushed every 50 ms (the flush timer itself a few ms late at random), for `ms`.
 */
function simulate(limit: number, hz: number, jitterMs: number, ms: number, seed = 1): Run {
  const rnd = random(seed);
  const room = new LocalRoom('sim');
  const run: Run = { seen: [], seqs: [], sent: 0, superseded: 0 };
  let clock = 0;
  const observer: RoomSession = {
    id: 'o',
    userId: 'observer',
    bufferedAmount: 0,
    blocked: undefined,
    member: undefined,
    sendFrame(frame) {
      const msg = JSON.parse(frame.toString()) as { transforms: BroadcastTransform[] };
      for (const t of msg.transforms) {
        run.seen.push(clock);
        run.seqs.push(t.seq!);
      }
    },
  };
  room.sessions.set('observer', observer);
  const sender: TransformSender = { shaper: new EmitShaper(limit), superseded: (n) => (run.superseded += n) };
  const counters = { framesOut() {}, dropped() {} };
  const events: Array<{ at: number; kind: 'send' | 'flush' }> = [];
  for (let i = 0; i * (1000 / hz) < ms; i++) events.push({ at: i * (1000 / hz) + (rnd() * 2 - 1) * jitterMs + jitterMs, kind: 'send' });
  for (let at = 0, k = 0; at < ms + 100; k++) {
    at = k * FLUSH_MS + rnd() * 4; // setInterval fires a little late
    events.push({ at, kind: 'flush' });
  }
  events.sort((a, b) => a.at - b.at);
  for (const e of events) {
    clock = e.at;
    if (e.kind === 'send') {
      run.sent++;
      room.queueTransform({ userId: 'sender', p: [0, 0, 0], r: R, seq: run.sent, ts: clock }, sender, clock);
    } else room.flush(counters, clock);
  }
  return run;
}

/** Updates per second over the middle of the run, and the longest gap between two. */
function shape(run: Run, fromMs: number, toMs: number) {
  const inside = run.seen.filter((t) => t >= fromMs && t < toMs);
  let maxGap = 0;
  for (let i = 1; i < inside.length; i++) maxGap = Math.max(maxGap, inside[i]! - inside[i - 1]!);
  return { perSecond: (inside.length * 1000) / (toMs - fromMs), maxGap };
}

describe('EmitShaper on the flush (simulated clock, exact)', () => {
  for (const device of ['desktop', 'mobile'] as const) {
    const limit = TRANSFORM_RATE_PER_SECOND[device];
    const gapBound = 2 * (1000 / limit) + FLUSH_MS;

    it.each([30, 60, 200])(`${device}: a sender at %i Hz is seen at >= 90 percent of ${limit}/s, no gap over ${gapBound.toFixed(0)} ms, newest first`, (hz) => {
      for (const seed of [1, 2, 3]) {
        const run = simulate(limit, hz, 2, 10_000, seed);
        const { perSecond, maxGap } = shape(run, 1000, 9000);
        expect(perSecond).toBeGreaterThanOrEqual(0.9 * limit);
        expect(perSecond).toBeLessThanOrEqual(limit + 1); // never over the limit in the long run
        expect(maxGap).toBeLessThanOrEqual(gapBound);
        // Always the newest: seen sequence numbers only go up, and the last one sent is seen.
        expect(run.seqs).toEqual([...run.seqs].sort((a, b) => a - b));
        expect(run.seqs.at(-1)).toBe(run.sent);
      }
    });

    it(`${device}: a sender at exactly ${limit} Hz with ±10 ms jitter loses at most 0.1 %`, () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const run = simulate(limit, limit, 10, 20_000, seed);
        expect(run.superseded / run.sent).toBeLessThanOrEqual(0.001);
        expect(run.seqs.length).toBeGreaterThanOrEqual(run.sent * 0.999);
        const { maxGap } = shape(run, 1000, 19_000);
        expect(maxGap).toBeLessThanOrEqual(gapBound);
      }
    });

    it(`${device}: a sender under the limit loses nothing`, () => {
      const run = simulate(limit, limit * 0.9, 10, 10_000, 7);
      expect(run.superseded).toBe(0);
      expect(run.seqs).toHaveLength(run.sent);
    });
  }

  it('the old sliding log would have frozen a 60 Hz sender for 700 ms (what this replaces)', () => {
    const limiter = new SlidingWindowLimiter(20, 1000);
    const accepted: number[] = [];
    for (let t = 0; t < 3000; t += 1000 / 60) if (limiter.take(t)) accepted.push(t);
    let maxGap = 0;
    for (let i = 1; i < accepted.length; i++) maxGap = Math.max(maxGap, accepted[i]! - accepted[i - 1]!);
    expect(maxGap).toBeGreaterThan(600);
  });
});

describe('SustainedRate', () => {
  it('trips only after the limit was exceeded in each of `seconds` consecutive seconds', () => {
    const flood = new SustainedRate(60, 3);
    let trippedAt: number | undefined;
    for (let t = 0; t < 10_000 && trippedAt === undefined; t += 5) if (flood.add(t)) trippedAt = t; // 200/s
    expect(trippedAt).toBeGreaterThanOrEqual(2000);
    expect(trippedAt).toBeLessThan(3100);
  });

  it('does not trip for bursts, or for a rate under the limit however long', () => {
    const flood = new SustainedRate(60, 3);
    for (let t = 0; t < 60_000; t += 1000 / 59) expect(flood.add(t)).toBe(false);
    const bursty = new SustainedRate(60, 3);
    for (let s = 0; s < 20; s++) for (let i = 0; i < 100; i++) expect(bursty.add(s * 2000 + i)).toBe(false); // 100 at once every 2 s
  });
});

/** Receive-time gaps and rate of `sender`'s transforms as `observer` sees them. */
function timeline(observer: Awaited<ReturnType<typeof joinAs>>['client']) {
  const times: number[] = [];
  const seqs: number[] = [];
  observer.ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; transforms: BroadcastTransform[] };
    if (m.type !== 'avatar_transform_broadcast') return;
    for (const t of m.transforms) {
      if (t.userId !== 'sender') continue;
      times.push(performance.now());
      seqs.push(t.seq!);
    }
  });
  return { times, seqs };
}

async function dropsOf(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`rtgw_drops_total{reason="${reason}"`)); // then the node label
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * Send at `hz` (±`jitterMs`) for `ms`, from a timer of its own, like a client's animation loop: a
 * slot its timer woke too late for is skipped, not made up with a burst (a late timer must not make
 * the client send faster than it means to). Returns the number sent (the last seq).
 */
async function sendAt(client: Awaited<ReturnType<typeof joinAs>>['client'], hz: number, jitterMs: number, ms: number): Promise<number> {
  const start = performance.now();
  const interval = 1000 / hz;
  let seq = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (let slot = 0; performance.now() - start < ms && client.ws.readyState === WebSocket.OPEN; slot++) {
    const due = start + slot * interval + (Math.random() * 2 - 1) * jitterMs;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const now = performance.now();
    if (now - last < interval - 2 * jitterMs) continue; // woke late and the next slot is already due: skip it
    client.send({ type: 'avatar_transform', p: [seq, 0, 0], r: R, seq: ++seq });
    last = now;
  }
  return seq;
}

describe('transform limits end to end (real sockets and timers)', () => {
  // Real timers on a shared machine add their own late wake-ups to every gap: the bound here gets
  // 100 ms of slack over the exact one checked above, and the rate the same 90 %.
  it.each([
    ['desktop', 60],
    ['desktop', 200],
    ['mobile', 60],
  ] as const)('a %s sender at %i Hz is seen at >= 90 percent of its limit, evenly, ending at its newest position', async (device, hz) => {
    const limit = TRANSFORM_RATE_PER_SECOND[device];
    const gw = await startTestGateway();
    const { client: sender } = await joinAs(gw.url, 'lobby', 'sender', { device });
    const { client: observer } = await joinAs(gw.url, 'lobby', 'observer');
    const seen = timeline(observer);
    const sent = await sendAt(sender, hz, 0, 3000);
    await observer.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.seq === sent));
    const from = seen.times[0]! + 500;
    const inside = seen.times.filter((t) => t >= from && t < from + 2000);
    expect(inside.length / 2).toBeGreaterThanOrEqual(0.9 * limit);
    expect(inside.length / 2).toBeLessThanOrEqual(limit + 2);
    let maxGap = 0;
    for (let i = 1; i < inside.length; i++) maxGap = Math.max(maxGap, inside[i]! - inside[i - 1]!);
    expect(maxGap).toBeLessThanOrEqual(2 * (1000 / limit) + FLUSH_MS + 100);
    expect(sender.ws.readyState).toBe(WebSocket.OPEN); // 200 Hz for 3 s is far past the limit, but not sustained abuse
  });

  it('a desktop sender at 20 Hz ±10 ms jitter over real sockets: (almost) nothing superseded, everything else seen', async () => {
    const gw = await startTestGateway();
    const { client: sender } = await joinAs(gw.url, 'lobby', 'sender');
    const { client: observer } = await joinAs(gw.url, 'lobby', 'observer');
    const seen = timeline(observer);
    const sent = await sendAt(sender, 20, 10, 4000);
    await observer.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.seq === sent));
    const dropped = await dropsOf(gw.url, 'rate_limited');
    // The 0.1 % is checked exactly on the simulated clock above. Here the gateway shares a loaded
    // machine (and this process) with the sender, and a stalled loop can still bunch arrivals into
    // one flush: allow 5 % (4 of 80), about what the old limiter lost on an idle machine (4–7 %).
    expect(dropped / sent).toBeLessThanOrEqual(0.05);
    expect(seen.seqs.length).toBe(sent - dropped);
  });

  it('with the debug flag, tells the sender how many it superseded, at most once per second', async () => {
    const gw = await startTestGateway({ rateLimitDebug: true });
    const { client: flooder } = await joinAs(gw.url, 'lobby', 'flooder');
    for (let i = 0; i < 60; i++) flooder.send({ type: 'avatar_transform', p: [i, 0, 0], r: R, seq: i + 1 });
    const warning = await flooder.next('rate_limited');
    expect(warning).toMatchObject({ type: 'rate_limited', kind: 'transform', windowMs: 1000 });
    expect(warning.dropped).toBeGreaterThanOrEqual(1);
    await flooder.sync();
    expect(flooder.all('rate_limited')).toHaveLength(1);
  });

  it('is silent without the debug flag, and the newest transform of a burst always arrives', async () => {
    const gw = await startTestGateway();
    const { client: flooder } = await joinAs(gw.url, 'lobby', 'flooder', { device: 'mobile' });
    const { client: observer } = await joinAs(gw.url, 'lobby', 'observer');
    for (let seq = 1; seq <= 100; seq++) flooder.send({ type: 'avatar_transform', p: [seq, 0, 0], r: R, seq });
    await observer.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.seq === 100));
    const seqs = observer.all('avatar_transform_broadcast').flatMap((m) => m.transforms).map((t) => t.seq!);
    expect(seqs.length).toBeLessThanOrEqual(4); // a burst of 100 leaves as at most the budget's three, then the newest
    expect(flooder.all('rate_limited')).toEqual([]);
  });

  it('closes a member that floods far past its limit for the configured seconds with 4008 (kicked)', async () => {
    const gw = await startTestGateway({ transformAbuseFactor: 3, transformAbuseSeconds: 2 });
    const { client: flooder } = await joinAs(gw.url, 'lobby', 'flooder');
    const { client: observer } = await joinAs(gw.url, 'lobby', 'observer');
    void sendAt(flooder, 200, 0, 6000).catch(() => {});
    expect((await flooder.closed).code).toBe(CloseCode.RATE_LIMIT_ABUSE);
    expect(await observer.next('member_left')).toMatchObject({ userId: 'flooder', reason: 'kicked' });
  }, 15_000);
});
