/** The page's pure parts behind the 3D view: the room's text description and the debug overlay's latency meter. */
import { describe, expect, it } from 'vitest';
import { LatencyMeter, percentile } from '../../web/src/latency-meter.js';
import { describeRoom, facing } from '../../web/src/room-description.js';

const avatar = (userId: string, name: string, x: number, z: number, yaw: number, self = false) => ({ userId, name, x, z, yaw, self });
const transform = (userId: string, x: number, ts: number) => ({ userId, p: [x, 0, 0] as [number, number, number], r: [0, 0, 0, 1] as [number, number, number, number], seq: ts, ts });

describe('the room described in words', () => {
  it('names this user first, then the others by name, each with whole metres from the middle and a compass facing', () => {
    expect(describeRoom([avatar('b', 'Bob', 0.2, 0.4, 0), avatar('a', 'Ada', 2.4, -3.1, Math.PI / 2, true)]))
      .toBe('Ada (you): 3 m north and 2 m east of the middle, facing east. Bob: in the middle, facing south.');
    expect(describeRoom([])).toBe('Nobody is drawn in the room yet.');
  });

  it('yaw 0 faces south (+z), pi north, -pi/2 west, and angles wrap', () => {
    expect([0, Math.PI, -Math.PI / 2, (3 * Math.PI) / 4, 2 * Math.PI + 0.1].map(facing)).toEqual(['south', 'north', 'west', 'north-east', 'south']);
  });
});

describe('the latency meter', () => {
  it('times a remote member from the gateway stamp of its first moving transform to the first frame that draws it moved', () => {
    const m = new LatencyMeter();
    m.onTransforms([transform('bob', 1, 1000)]);
    m.onTransforms([transform('bob', 1, 1500)]); // standing still
    m.onFrame([avatar('bob', 'Bob', 1, 0, 0)], 1600);
    m.onTransforms([transform('bob', 1.2, 2000)]); // starts walking: stamped 2000 by the gateway
    m.onTransforms([transform('bob', 1.4, 2050)]);
    m.onFrame([avatar('bob', 'Bob', 1, 0, 0)], 2040); // not drawn moved yet
    m.onFrame([avatar('bob', 'Bob', 1.05, 0, 0)], 2130);
    m.onFrame([avatar('bob', 'Bob', 1.3, 0, 0)], 2150); // still the same walk: not counted again
    expect(m.figures().gatewayToDrawn).toEqual({ n: 1, p50: 130, p95: 130 });
  });

  it('times this user from the key to the first transform sent after it', () => {
    const m = new LatencyMeter();
    m.onKeyDown(500);
    expect(m.waitingForOwnSend).toBe(true);
    m.onOwnSent(480); // sent before the key: not it
    m.onOwnSent(540);
    expect(m.waitingForOwnSend).toBe(false);
    expect(m.figures().keyToSent).toEqual({ n: 1, p50: 40, p95: 40 });
  });

  it('nearest-rank percentiles', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect([percentile(values, 0.5), percentile(values, 0.95), percentile([], 0.5)]).toEqual([10, 19, null]);
  });
});
