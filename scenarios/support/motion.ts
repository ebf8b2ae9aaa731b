/** Movement and counting helpers shared by scenarios and `rtgw bots`. */
import type { Bot } from './bot.js';

/** A quaternion for a turn of `yaw` radians about the vertical axis. */
export function yawQuat(yaw: number): [number, number, number, number] {
  return [0, Math.sin(yaw / 2), 0, Math.cos(yaw / 2)];
}

/**
 * Each bot calls `sendTransform` at `hz` for `ms`, walking in a circle. Position x carries a counter
 * that only grows, so receivers can check order. Resolves with each bot's last x.
 */
export function streamTransforms(bots: Bot[], hz: number, ms: number): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  let n = 0;
  return new Promise((resolve) => {
    const tick = () => {
      n++;
      for (const bot of bots) {
        const yaw = (n / hz) * 0.8;
        bot.provider.sendTransform([n, 0, Math.sin(yaw) * 3], yawQuat(yaw), { anim: 'walk' });
        last.set(bot.userId, n);
      }
    };
    const timer = setInterval(tick, 1000 / hz);
    tick();
    setTimeout(() => {
      clearInterval(timer);
      resolve(last);
    }, ms);
  });
}

/** The largest number of `times` inside any window of `windowMs`. */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** True when `values` only grow. */
export function increasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]!);
}

export const sameMembers = (a: string[], b: string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
