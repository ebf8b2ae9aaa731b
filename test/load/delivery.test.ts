/**
 * Delivered versus expected, as load/delivery.ts defines it: a slot is covered by itself or by a
 * newer one; its latency runs from its intended send time to that moment; only window slots count.
 */
import { describe, expect, it } from 'vitest';
import { emptyDeliveryCounters, ReceiverCoverage, type MeasureWindow } from '../../load/delivery.js';
import { createHistogram, summarize } from '../../load/histogram.js';
import { buildPlan, intervalUs, slotsIn } from '../../load/plan.js';
import { IdSchema } from '../../protocol/index.js';

const I = 50_000; // 20/s
const BASE = 1_700_000_000_000_000; // slot 0 of the sender, Unix µs
const at = (k: number) => BASE + k * I;
const window: MeasureWindow = { startUs: at(10), endUs: at(20), excluded: new Set() };

function receiver() {
  const counters = emptyDeliveryCounters();
  const latency = createHistogram();
  const coverage = new ReceiverCoverage(counters, latency, () => I);
  return { counters, latency, coverage };
}

describe('ReceiverCoverage', () => {
  it('every slot received, 5 ms after its intended time: all direct, expected == covered', () => {
    const r = receiver();
    for (let k = 0; k < 30; k++) r.coverage.observe('alice', k, at(k), at(k) + 5_000, window);
    expect(r.counters).toMatchObject({ covered: 10, direct: 10, superseded: 0, stale: 0 });
    expect(slotsIn(BASE, I, window.startUs, window.endUs)).toBe(10);
    expect(summarize(r.latency)).toMatchObject({ count: 10, p50: 5, max: 5 });
  });

  it('a coalesced slot is covered by the newer one, and costs the time until that one arrived', () => {
    const r = receiver();
    r.coverage.observe('alice', 11, at(11), at(11) + 5_000, window);
    // Slots 12 and 13 land in one flush: only 13 is broadcast, 20 ms after its intended time.
    r.coverage.observe('alice', 13, at(13), at(13) + 20_000, window);
    expect(r.counters).toMatchObject({ covered: 3 + 1, direct: 2, superseded: 2 }); // 10 and 12 superseded
    const s = summarize(r.latency);
    expect(s.count).toBe(4);
    // slot 10 covered at at(11)+5 ms = 55 ms late; slot 12 at at(13)+20 ms = 70 ms late.
    expect(s.max).toBeCloseTo(70, 0);
  });

  it('counts only slots intended inside the window; older or repeated seqs are stale', () => {
    const r = receiver();
    r.coverage.observe('alice', 5, at(5), at(5) + 1_000, window); // before the window: tracked, not counted
    r.coverage.observe('alice', 25, at(25), at(25) + 1_000, window); // covers 10..19 (superseded), 25 is after the window
    r.coverage.observe('alice', 25, at(25), at(25) + 2_000, window); // a rejoin's room_state repeats it
    r.coverage.observe('alice', 24, at(24), at(25) + 3_000, window);
    expect(r.counters).toMatchObject({ covered: 10, direct: 0, superseded: 10, stale: 2 });
  });

  it('ignores transforms without an intended time, and senders excluded from the window', () => {
    const r = receiver();
    r.coverage.observe('bob', 12, Number.NaN, at(12), window);
    r.coverage.observe('carol', 12, at(12), at(12), { ...window, excluded: new Set(['carol']) });
    expect(r.counters).toMatchObject({ covered: 0, foreign: 1 });
  });

  it('a receiver that first sees a sender mid-window covers the window slots it missed', () => {
    const r = receiver();
    expect(r.coverage.observe('alice', 14, at(14), at(14) + 1_000, window)).toBe(true);
    expect(r.counters).toMatchObject({ covered: 5, direct: 1, superseded: 4 });
  });
});

describe('plan', () => {
  const plan = buildPlan({ runId: 'load-test1', clients: 12, rooms: 3, mobileRatio: 0.25, rampStartUs: 1_000_000, rampUs: 1_200_000, rate: 20, sample: 1 });

  it('ids are protocol ids, rooms fill side by side, arrivals are evenly spaced', () => {
    expect(plan).toHaveLength(12);
    for (const c of plan) {
      expect(IdSchema.safeParse(c.userId).success).toBe(true);
      expect(IdSchema.safeParse(c.roomId).success).toBe(true);
    }
    expect(plan.slice(0, 4).map((c) => c.roomId)).toEqual(['load-test1-room0', 'load-test1-room1', 'load-test1-room2', 'load-test1-room0']);
    expect(plan.map((c) => c.arrivalUs)).toEqual(Array.from({ length: 12 }, (_, i) => 1_000_000 + i * 100_000));
  });

  it('exactly round(N x ratio) clients are mobile, and their ids say so', () => {
    const mobile = plan.filter((c) => c.device === 'mobile');
    expect(mobile).toHaveLength(3);
    for (const c of mobile) expect(c.userId.endsWith('-m')).toBe(true);
  });

  it('a measuring sample is spread over every room, whatever the room count', () => {
    const big = buildPlan({ runId: 'load-test2', clients: 1000, rooms: 50, mobileRatio: 0, rampStartUs: 0, rampUs: 0, rate: 20, sample: 0.25 });
    const measured = big.filter((c) => c.measured);
    expect(measured.length).toBeGreaterThanOrEqual(240);
    expect(measured.length).toBeLessThanOrEqual(260);
    for (let room = 0; room < 50; room++) expect(measured.filter((c) => c.roomId === `load-test2-room${room}`).length).toBeGreaterThanOrEqual(2);
    expect(plan.every((c) => c.measured)).toBe(true); // sample 1: everyone
  });

  it('rates are capped at the device limit; rate 0 means idle', () => {
    expect(intervalUs('desktop', 20)).toBe(50_000);
    expect(intervalUs('desktop', 60)).toBe(50_000);
    expect(intervalUs('mobile', 20)).toBe(66_667);
    expect(intervalUs('desktop', 10)).toBe(100_000);
    expect(intervalUs('desktop', 0)).toBe(0);
    expect(slotsIn(0, 50_000, 1_000_000, 2_000_000)).toBe(20);
    expect(slotsIn(30_000, 50_000, 1_000_000, 2_000_000)).toBe(20);
  });
});
