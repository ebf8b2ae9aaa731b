import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { SlidingWindowLimiter } from '../../gateway/rate-limit.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { joinAs } from '../helpers/ws-client.js';

afterEach(closeTestGateways);
const R = [0, 0, 0, 1];

describe('SlidingWindowLimiter', () => {
  it('allows at most `limit` events in any window, including across window boundaries', () => {
    const limiter = new SlidingWindowLimiter(20, 1000);
    const accepted: number[] = [];
    for (let t = 0; t < 3000; t += 10) if (limiter.take(t)) accepted.push(t); // 100/s offered
    for (const start of accepted) expect(accepted.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(20);
    expect(accepted.length).toBe(60);
  });
});

describe('transform rate limits by device', () => {
  it.each([
    ['desktop', 20],
    ['mobile', 15],
  ] as const)('a %s member flooding 100 transforms gets exactly %i through in its first second', async (device, limit) => {
    const gw = await startTestGateway({ flushIntervalMs: 5 });
    const { client: flooder } = await joinAs(gw.url, 'lobby', 'flooder', { device });
    const { client: observer } = await joinAs(gw.url, 'lobby', 'observer');
    for (let seq = 1; seq <= 100; seq++) flooder.send({ type: 'avatar_transform', p: [seq, 0, 0], r: R, seq });
    await flooder.sync();
    // The last accepted transform is the limit-th one: it is the newest that reaches the observer.
    await observer.next('avatar_transform_broadcast', (m) => m.transforms.some((t) => t.seq === limit));
    await observer.sync();
    const seqs = observer.all('avatar_transform_broadcast').flatMap((m) => m.transforms).map((t) => t.seq!);
    expect(Math.max(...seqs)).toBe(limit);
    expect(flooder.all('rate_limited')).toEqual([]); // silent without the debug flag
  });

  it('with the debug flag, warns the flooder with rate_limited at most once per second', async () => {
    const gw = await startTestGateway({ rateLimitDebug: true });
    const { client: flooder } = await joinAs(gw.url, 'lobby', 'flooder');
    for (let i = 0; i < 60; i++) flooder.send({ type: 'avatar_transform', p: [i, 0, 0], r: R });
    const warning = await flooder.next('rate_limited');
    expect(warning).toEqual({ type: 'rate_limited', kind: 'transform', dropped: 1, windowMs: 1000 });
    await flooder.sync();
    expect(flooder.all('rate_limited')).toHaveLength(1);
  });

  it('closes a member that keeps flooding far past its limit with 4008', async () => {
    const gw = await startTestGateway({ maxDroppedTransforms: 50 });
    const { client: flooder } = await joinAs(gw.url, 'lobby', 'flooder');
    const { client: observer } = await joinAs(gw.url, 'lobby', 'observer');
    for (let i = 0; i < 200; i++) flooder.send({ type: 'avatar_transform', p: [i, 0, 0], r: R });
    expect((await flooder.closed).code).toBe(CloseCode.RATE_LIMIT_ABUSE);
    expect(await observer.next('member_left')).toMatchObject({ userId: 'flooder', reason: 'kicked' });
  }, 15_000);
});
