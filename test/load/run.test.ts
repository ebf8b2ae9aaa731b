/**
 * Short load runs in the calling process (from source there is no compiled generator to fork): against an
 * in-process gateway, against the bare relay, and a small reconnect storm. A few seconds each:
 * they prove the accounting, not the gateway's speed.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startBareRelay, type BareRelay } from '../../bench/bare-relay.js';
import { runLoad } from '../../load/run.js';
import { parseThreshold } from '../../load/thresholds.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';

// A generous drain: on a loaded CI machine late transforms must still count as delivered.
const SHORT = { rate: 20, duration: 2, ramp: 0.5, settle: 0.5, drain: 2, workers: 0 } as const;

afterEach(closeTestGateways);

describe('runLoad', () => {
  it('against the gateway: every expected transform covered, latencies and legs measured, no errors', async () => {
    const gw = await startTestGateway();
    const r = await runLoad({ url: gw.url, rooms: 2, clientsPerRoom: 4, chatEvery: 2, ...SHORT, thresholds: [parseThreshold('delivered>0.9'), parseThreshold('p99<0.001')] });
    expect(r.clients).toMatchObject({ planned: 8, joined: 8, failed: 0 });
    // 8 senders x ~40 window slots x 3 other members each.
    expect(r.delivery.expected).toBeGreaterThanOrEqual(8 * 39 * 3);
    expect(r.delivery.ratio).toBeGreaterThan(0.95);
    expect(r.delivery.covered).toBe(r.delivery.direct + r.delivery.superseded);
    expect(r.latency.fanout.count).toBe(r.delivery.covered);
    expect(r.latency.fanout.p50).toBeGreaterThan(0);
    expect(r.latency.connect.count).toBe(8);
    expect(r.latency.inbound.count).toBeGreaterThan(0);
    // The gateway coalesces: a frame carries the transforms of several members.
    expect(r.throughput.transformsPerFrame).toBeGreaterThan(1);
    expect(r.gateway?.transformsIn).toBeGreaterThan(0);
    expect(r.chat.echoed).toBeGreaterThan(0);
    expect(r.errorCount).toBe(0);
    expect(r.generator.scanFallbacks).toBe(0); // the gateway's frames are read by the fast scan
    expect(r.thresholds.map((t) => [t.expr, t.ok])).toEqual([
      ['delivered>0.9', true],
      ['p99<0.001', false],
    ]);
  });

  describe('against the bare relay', () => {
    let relay: BareRelay | undefined;
    afterAll(() => relay?.close());

    it('one frame per transform per recipient: every slot sent arrives itself', async () => {
      relay = await startBareRelay();
      const r = await runLoad({ url: relay.url, rooms: 1, clientsPerRoom: 4, ...SHORT });
      expect(r.delivery.ratio).toBe(1);
      // The relay loses nothing: what is not direct is what the generator itself did not send
      // (a slot it was too late for, on a busy machine), superseded by its next one.
      const g = r.generator;
      expect(g.sentSlots + g.skippedSlots + g.notJoinedSlots).toBe(g.windowSlots);
      expect(r.delivery.direct).toBe(g.sentSlots * 3);
      expect(r.throughput.transformsPerFrame).toBe(1);
      expect(r.generator.scanFallbacks).toBe(0);
      expect(r.gateway).toBeUndefined(); // no /metrics
    });
  });

  it('--storm: every client dropped at once rejoins; the time until the last one, and where it went, are reported', async () => {
    const gw = await startTestGateway();
    const r = await runLoad({ url: gw.url, rooms: 2, clientsPerRoom: 3, ...SHORT, duration: 1, storm: true, stormTimeout: 10 });
    const s = r.storm!;
    expect(s).toMatchObject({ dropped: 6, rejoined: 6, connectTimeouts: 0, attempts: { mean: 1, max: 1 }, generatorReliable: true });
    expect(s.allRejoinedMs).toBeGreaterThan(0);
    expect(s.allRejoinedMs).toBeLessThan(10_000);
    expect(s.rejoin.count).toBe(6);
    // Every rejoined client has a wait, a TCP connect, an upgrade and a join; the held token was reused, so nobody fetched one.
    expect([s.phases.wait.count, s.phases.connect.count, s.phases.upgrade.count, s.phases.join.count, s.phases.token.count]).toEqual([6, 6, 6, 6, 0]);
    expect(s.phases.join.p50).toBeGreaterThan(0);
    // The phases are the parts of each rejoin: none is longer than the longest rejoin.
    for (const phase of [s.phases.wait, s.phases.connect, s.phases.upgrade, s.phases.join]) expect(phase.max).toBeLessThanOrEqual(s.rejoin.max + 0.01);
    // Each client's phases add up to its rejoin: the sums of the means do too (to the histograms' rounding).
    const sum = [s.phases.wait, s.phases.connect, s.phases.upgrade, s.phases.join].reduce((n, p) => n + p.mean, 0);
    expect(Math.abs(sum - s.rejoin.mean)).toBeLessThan(0.01 * s.rejoin.mean + 0.1);
    // The gateway's own view of the storm: it refused no upgrade.
    expect(s.gateway?.refused).toEqual({});
    if (s.synDrops !== undefined) expect(s.synDrops).toBeGreaterThanOrEqual(0);
  });

  it('kills during the window: each drops a joined socket, which reconnects, and the senders stay covered', async () => {
    const gw = await startTestGateway();
    const r = await runLoad({ url: gw.url, clients: 6, clientsPerRoom: 3, ...SHORT, duration: 2, killEvery: 0.25 });
    expect(r.options.rooms).toBe(2);
    expect(r.kills).toBeGreaterThanOrEqual(4);
    expect(r.reconnects).toBeGreaterThanOrEqual(r.kills);
    // A killed sender's missed slots are covered by its first transform after it is back (or its room_state).
    expect(r.delivery.ratio).toBeGreaterThan(0.95);
    expect(r.errorCount).toBe(0);
  });

  it('sized by clients: rooms of clientsPerRoom, the last ones a client short; both sizes must agree', async () => {
    const gw = await startTestGateway();
    const r = await runLoad({ url: gw.url, clients: 7, clientsPerRoom: 3, ...SHORT, duration: 1 });
    expect(r.options).toMatchObject({ rooms: 3, clients: 7 });
    expect(r.clients).toMatchObject({ planned: 7, joined: 7 });
    await expect(runLoad({ url: gw.url, clients: 7, rooms: 2, clientsPerRoom: 3, ...SHORT })).rejects.toThrow('7 clients do not make 2 rooms of 3: give rooms or clients');
    await expect(runLoad({ url: gw.url, ...SHORT })).rejects.toThrow('give the size: rooms (of clientsPerRoom) or clients');
  });

  it('an unreachable target is a LoadError naming it', async () => {
    await expect(runLoad({ url: 'http://127.0.0.1:1', rooms: 1, clientsPerRoom: 1, ...SHORT })).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});
