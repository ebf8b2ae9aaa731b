/** Threshold expressions: what `--threshold` accepts, what it refuses, and how results are judged. */
import { describe, expect, it } from 'vitest';
import { evaluateThresholds, parseThreshold } from '../../load/thresholds.js';

describe('parseThreshold', () => {
  it.each([
    ['p99<50', 'fanout.p99', '<', 50],
    ['p(99)<50', 'fanout.p99', '<', 50],
    ['p(99.9) <= 120ms', 'fanout.p99.9', '<=', 120],
    ['fanout.p50<0.5s', 'fanout.p50', '<', 500],
    ['max<1s', 'fanout.max', '<', 1000],
    ['avg<20', 'fanout.mean', '<', 20],
    ['delivered>0.999', 'delivered', '>', 0.999],
    ['delivered>=99.9%', 'delivered', '>=', 0.999],
    ['connect.p99<2s', 'connect.p99', '<', 2000],
    ['storm<3s', 'storm.all', '<', 3000],
    ['storm.max<3000', 'storm.max', '<', 3000],
    ['errors<1', 'errors', '<', 1],
    ['reliable==1', 'reliable', '==', 1],
    ['throughput>19000', 'throughput', '>', 19000],
  ])('%s reads as %s %s %d', (expr, metric, op, value) => {
    const t = parseThreshold(expr);
    expect(t.metric).toBe(metric);
    expect(t.op).toBe(op);
    expect(t.value).toBeCloseTo(value, 9);
  });

  it.each([
    ['p99', /is not METRIC OP NUMBER/],
    ['p99 < fast', /is not METRIC OP NUMBER/],
    ['latency<5', /unknown metric "latency"/],
    ['delivered>5ms', /delivered is not a duration/],
    ['p99<50%', /fanout.p99 is not a ratio/],
  ])('%s is refused: %s', (expr, message) => {
    expect(() => parseThreshold(expr)).toThrow(message);
  });
});

describe('evaluateThresholds', () => {
  it('passes and fails on the run value; a metric the run lacks fails', () => {
    const results = evaluateThresholds(
      [parseThreshold('p99<50'), parseThreshold('delivered>0.999'), parseThreshold('chat.p99<100'), parseThreshold('errors<=0')],
      { 'fanout.p99': 42.5, delivered: 0.998, errors: 0 },
    );
    expect(results.map((r) => [r.expr, r.ok, r.actual])).toEqual([
      ['p99<50', true, 42.5],
      ['delivered>0.999', false, 0.998],
      ['chat.p99<100', false, Number.NaN],
      ['errors<=0', true, 0],
    ]);
  });
});
