import { TRANSFORM_RATE_PER_SECOND } from '../protocol/index.js';
import { maxInWindow } from './support/motion.js';
import { RawClient } from './support/raw-client.js';
import type { Scenario } from './support/scenario.js';

const FLOOD_HZ = 100;
const FLOOD_MS = 3000;

const scenario: Scenario = {
  name: 'rate-limit',
  description: 'a desktop and a mobile client flood 100 transforms/s; observers see them at 20/s and 15/s, evenly; the gateway stays healthy',
  // A 10 ms flush: with the default 50 ms, coalescing alone would cap what an observer sees at 20/s,
  // and a missing desktop limit would go unnoticed. (Against --url the gateway's own flush applies.)
  needs: { serveArgs: ['--rate-limit-debug', '--flush-interval-ms', '10'] },
  async run(t) {
    const observer = t.bot('observer');
    await t.step(`observer joins room ${t.room}`, () => observer.provider.joinRoom(t.room));
    const desktop = await t.step('a desktop flooder joins (raw client, no pacing)', () => RawClient.join(t.url(), t.room, 'flood-desktop', 'desktop'));
    const mobile = await t.step('a mobile flooder joins (raw client, no pacing)', () => RawClient.join(t.url(), t.room, 'flood-mobile', 'mobile'));
    t.onCleanup(() => (desktop.close(), mobile.close()));

    let seq = 0;
    const floodStart = Date.now();
    const flood = setInterval(() => {
      seq++;
      for (const c of [desktop, mobile]) c.send({ type: 'avatar_transform', p: [seq, 0, 0], r: [0, 0, 0, 1], seq });
    }, 1000 / FLOOD_HZ);
    t.onCleanup(() => clearInterval(flood));
    // While the flood runs, the gateway keeps serving: a chat round trip stays quick.
    await t.step(`flood for ${FLOOD_MS / 1000} s at ${FLOOD_HZ}/s each`, () => new Promise((r) => setTimeout(r, FLOOD_MS / 2)));
    await t.within("the observer's chat round trip during the flood", 1000, observer.provider.sendChat('still responsive?'));
    await new Promise((r) => setTimeout(r, FLOOD_MS / 2));
    clearInterval(flood);
    const floodMs = Date.now() - floodStart;
    // A marker after a full window of silence is always accepted: once it arrives, the flood has drained.
    await new Promise((r) => setTimeout(r, 1100));
    const marker = seq + 1;
    for (const c of [desktop, mobile]) c.send({ type: 'avatar_transform', p: [marker, 0, 0], r: [0, 0, 0, 1], seq: marker });
    await t.within('the flood has drained to the observer', 2000, observer.until('markers', () =>
      observer.from('flood-desktop').at(-1)?.seq === marker && observer.from('flood-mobile').at(-1)?.seq === marker));

    for (const [userId, device] of [['flood-desktop', 'desktop'], ['flood-mobile', 'mobile']] as const) {
      const limit = TRANSFORM_RATE_PER_SECOND[device];
      const got = observer.from(userId).filter((x) => x.seq !== marker);
      // The limit shapes what is emitted (GCRA with a tolerance of three intervals): the long-run rate is
      // the limit, and no 1 s window holds more than the limit plus that burst (at most 4 more).
      const peak = maxInWindow(got.map((x) => x.ts), 1000);
      t.check(`observer receives at most ${limit} (+4 burst) of ${userId}'s transforms in any 1 s`, peak <= limit + 4, `peak ${peak} in 1 s, ${got.length} in ${FLOOD_MS / 1000} s`);
      // Smooth, not punched full of holes: a flooder is seen at (close to) its limit all through the flood.
      const perSecond = got.length / (floodMs / 1000);
      const most = Math.ceil((limit * floodMs) / 1000) + 4 + 1; // the limit over the flood, its one burst, a flush's rounding
      t.check(`${userId} is seen at >= 90 % of ${limit}/s and never above it on average (beyond one burst)`, perSecond >= 0.9 * limit && got.length <= most, `${perSecond.toFixed(1)}/s, ${got.length} of at most ${most}`);
    }

    const health = await fetch(`${t.url()}/healthz`);
    t.check('the gateway is healthy after the flood (/healthz)', health.status === 200, `HTTP ${health.status}`);
    if (t.env.external) return; // the debug flag is the gateway's configuration, known only for our own
    const warnings = desktop.all('rate_limited');
    t.check('with --rate-limit-debug the flooder is warned with rate_limited', warnings.length >= 1, `${warnings.length} warnings`);
    t.check('at most one warning per second', warnings.length <= FLOOD_MS / 1000 + 1, `${warnings.length} in ${FLOOD_MS / 1000} s`);
  },
};
export default scenario;
