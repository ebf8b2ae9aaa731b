import type { Bot } from './support/bot.js';
import { ChaosProxy } from './support/chaos-proxy.js';
import { sameMembers } from './support/motion.js';
import type { Scenario, ScenarioContext } from './support/scenario.js';

const BOTS = 4;
const RECOVER_MS = 3000;
/** The gateway's default grace period, plus a margin: no flapping may show up until then. */
const GRACE_MS = 5000;

async function chaos(t: ScenarioContext, what: string, bots: Bot[], observer: Bot, doIt: () => number): Promise<void> {
  for (const bot of [...bots, observer]) bot.reset();
  const at = Date.now();
  const affected = await t.step(what, () => doIt());
  t.check(`every bot's connection was hit`, affected >= bots.length, `${affected} connections`);
  await t.within(`every bot rejoined in under ${RECOVER_MS / 1000} s`, RECOVER_MS, Promise.all(bots.map((bot) =>
    bot.until('rejoined', () => bot.roomStates.some((s) => s.rejoined) && bot.status === 'open', RECOVER_MS + 1000))));
  const everyone = [...bots.map((b) => b.userId), observer.userId];
  for (const bot of bots) {
    const others = everyone.filter((id) => id !== bot.userId);
    t.check(`${bot.userId}'s state is recovered (sees ${others.length} members)`, sameMembers(bot.members(), others), bot.members().join(', '));
  }
  const slowest = Math.max(...bots.map((b) => (b.roomStates.find((s) => s.rejoined) ? b.states.find((s) => s.status === 'open')!.at - at : Infinity)));
  t.check('time from the drop to the last bot back', slowest < RECOVER_MS, `${slowest} ms`);
  await t.step(`watch the observer until the grace period (${GRACE_MS / 1000} s) has passed`, () => new Promise((r) => setTimeout(r, Math.max(0, at + GRACE_MS + 500 - Date.now()))));
  t.check('the observer saw no member_left / member_joined flapping', observer.left.length === 0 && observer.joined.length === 0,
    `${observer.left.length} left, ${observer.joined.length} joined`);
}

const scenario: Scenario = {
  name: 'reconnect',
  description: 'bots lose their sockets abruptly, then silently; all rejoin in under 3 s with state recovered and no presence flapping',
  needs: {},
  async run(t) {
    const proxy = await ChaosProxy.start(t.url());
    t.onCleanup(() => proxy.close());
    // Application pings every second, so a silent link is noticed within 2 s.
    const bots = Array.from({ length: BOTS }, (_, i) => t.bot(`bot-${i + 1}`, { url: proxy.url, pingIntervalMs: 1000, pongTimeoutMs: 1000 }));
    const observer = t.bot('observer');
    await t.step(`observer and ${BOTS} bots (through a chaos proxy) join room ${t.room}`, async () => {
      await observer.provider.joinRoom(t.room);
      await Promise.all(bots.map((b) => b.provider.joinRoom(t.room)));
      await observer.until('all joined', () => observer.members().length === BOTS);
    });
    await chaos(t, 'cut every bot connection abruptly (no close frame)', bots, observer, () => proxy.cut());
    await chaos(t, 'blackhole every bot connection (silent: open but nothing flows)', bots, observer, () => proxy.blackhole());
  },
};
export default scenario;
