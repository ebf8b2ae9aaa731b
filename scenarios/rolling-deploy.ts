/**
 * A rolling deploy behind a real load balancer: three nodes on one Redis behind HAProxy
 * (deploy/haproxy.cfg), bots in several rooms connected through it only, chatting. Each node in
 * turn gets SIGTERM (1001 to its clients, which reconnect through the LB to a survivor) and comes
 * back. Nobody may notice: back in the room within 3 s, no member_left/member_joined for a member
 * who resumed, no accepted chat lost or duplicated, no 5xx or refused upgrade from the LB.
 */
import type { ChatMessage } from '../client/index.js';
import type { Bot } from './support/bot.js';
import { startHaproxy } from './support/haproxy.js';
import type { Scenario, ScenarioContext } from './support/scenario.js';

const ROOMS = 3;
const BOTS_PER_ROOM = 3;
const RECOVER_MS = 3000;
/** Each bot chats this often: with ROOMS x BOTS_PER_ROOM bots, a room's history (50) holds the whole run. */
const CHAT_EVERY_MS = 3000;
const HISTORY_BUDGET = 45;

interface Tracked {
  bot: Bot;
  room: string;
  /** When the bot's socket closed (status reconnecting), with the close code. */
  closes: Array<{ at: number; code: number | undefined }>;
  /** When a room_state arrived (the bot is in its room again). */
  rejoins: number[];
  /** Echoes of accepted chat. */
  accepted: ChatMessage[];
}

async function deployNode(t: ScenarioContext, lb: Awaited<ReturnType<typeof startHaproxy>>, i: number, bots: Tracked[], reconnectMs: number[]): Promise<void> {
  const name = `node${i + 1}`;
  // Chat in flight as the node goes down: the cases where an echo can be lost or a resend doubled.
  const inFlight = bots.map((b) => b.bot.provider.sendChat(`${b.bot.userId} before SIGTERM ${name}`).then((m) => void b.accepted.push(m), () => {}));
  const mark = Date.now();
  await t.step(`SIGTERM ${name} (graceful: 1001 to its clients, drain, exit)`, async () => {
    const code = await t.env.process(i).stop();
    if (code !== 0) throw new Error(`${name} exited with ${code}`);
  });
  const hit = bots.filter((b) => b.closes.some((c) => c.at >= mark));
  t.check(`${name}'s clients were closed with 1001 going away`, hit.length > 0 && hit.every((b) => b.closes.filter((c) => c.at >= mark).every((c) => c.code === 1001)),
    `${hit.length} bots: ${hit.map((b) => b.closes.filter((c) => c.at >= mark).map((c) => c.code).join('/')).join(', ')}`);
  // Wait (on events) for each until 3 s after its close plus a margin; the check decides.
  await Promise.allSettled(hit.map((b) => {
    const closedAt = b.closes.find((c) => c.at >= mark)!.at;
    return b.bot.until('back in the room', () => b.rejoins.some((at) => at >= closedAt) && b.bot.status === 'open', Math.max(1, closedAt + RECOVER_MS + 1000 - Date.now()));
  }));
  const times = hit.map((b) => {
    const closedAt = b.closes.find((c) => c.at >= mark)!.at;
    const back = b.rejoins.find((at) => at >= closedAt);
    return back === undefined ? Infinity : back - closedAt;
  });
  reconnectMs.push(...times);
  t.check(`every bot of ${name} was back in its room within ${RECOVER_MS / 1000} s of its close`, times.every((ms) => ms <= RECOVER_MS),
    `${times.map((ms) => (Number.isFinite(ms) ? `${ms} ms` : 'never')).join(', ')}`);
  await Promise.all(inFlight);
  await t.step(`start ${name} again; HAProxy puts it back in rotation`, async () => {
    await t.env.process(i).restart();
    await lb.waitForState(name, /^UP$/);
  });
}

const scenario: Scenario = {
  name: 'rolling-deploy',
  description: 'three nodes behind HAProxy restarted one by one (SIGTERM): bots back in < 3 s, no presence flapping, no chat lost or duplicated, no 5xx from the LB',
  needs: { redis: true, nodes: 3, ownGatewayReason: 'starts HAProxy in front of its own nodes and restarts them' },
  async run(t) {
    const lb = await t.step('start HAProxy (deploy/haproxy.cfg) in front of the three nodes', () =>
      startHaproxy([0, 1, 2].map((i) => `127.0.0.1:${t.env.process(i).port}`)));
    t.onCleanup(() => lb.stop());
    const bots: Tracked[] = [];
    for (let r = 0; r < ROOMS; r++) {
      for (let k = 0; k < BOTS_PER_ROOM; k++) {
        const bot = t.bot(`r${r + 1}-bot${k + 1}`, { url: lb.url, maxReconnectDelayMs: 1000 });
        const tracked: Tracked = { bot, room: `${t.room}-${r + 1}`, closes: [], rejoins: [], accepted: [] };
        bot.provider.on('connectionState', (s) => {
          if (s.status === 'reconnecting' && tracked.closes.at(-1)?.at !== Date.now()) tracked.closes.push({ at: Date.now(), code: s.closeCode });
        });
        // Any room_state counts as back in the room; whether others noticed is the flapping check's business.
        // Any room_state counts as back in the room; whether others noticed is the flapping check's business.
        bot.provider.on('roomState', () => void tracked.rejoins.push(Date.now()));
        bots.push(tracked);
      }
    }
    await t.step(`${bots.length} bots join ${ROOMS} rooms through the load balancer`, async () => {
      // One at a time per room, each announced to those before it, so no member_joined of the
      // set-up can arrive after the reset below (one can trail a room_state that already lists it).
      await Promise.all(Array.from({ length: ROOMS }, async (_, r) => {
        const inRoom = bots.slice(r * BOTS_PER_ROOM, (r + 1) * BOTS_PER_ROOM);
        for (const [k, b] of inRoom.entries()) {
          await b.bot.provider.joinRoom(b.room);
          await Promise.all(inRoom.slice(0, k).map((p) => p.bot.until(`sees ${b.bot.userId} join`, () => p.bot.joined.some((j) => j.userId === b.bot.userId))));
        }
      }));
    });
    for (const b of bots) b.bot.reset(); // from here on, any member_joined / member_left is flapping

    // Chat all through the deploy; what the gateway accepted (the echo came back) must arrive once.
    let chatting = true;
    const sentPerRoom = new Map<string, number>();
    const loops = bots.map(async (b, n) => {
      await new Promise((r) => setTimeout(r, (n * CHAT_EVERY_MS) / bots.length));
      for (let seq = 1; chatting; seq++) {
        const count = sentPerRoom.get(b.room) ?? 0;
        if (count < HISTORY_BUDGET) {
          sentPerRoom.set(b.room, count + 1);
          await b.bot.provider.sendChat(`${b.bot.userId} #${seq}`).then((m) => void b.accepted.push(m), () => {}); // refused while offline: not accepted
        }
        await new Promise((r) => setTimeout(r, CHAT_EVERY_MS));
      }
    });

    const reconnectMs: number[] = [];
    for (let i = 0; i < 3; i++) await deployNode(t, lb, i, bots, reconnectMs);
    const sorted = [...reconnectMs].sort((a, b) => a - b);
    t.check('reconnect times over the whole deploy (close to back in the room)', sorted.length > 0,
      `${sorted.length} reconnects: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`);

    chatting = false;
    await Promise.all(loops);
    const everyone = bots.flatMap((b) => [...b.bot.left.map((l) => `${b.bot.userId} saw ${l.userId} leave`), ...b.bot.joined.map((j) => `${b.bot.userId} saw ${j.userId} join`)]);
    t.check('no member_left / member_joined for a member who resumed, on any bot', everyone.length === 0, everyone.length ? everyone.slice(0, 6).join('; ') : 'none');

    const problems: string[] = [];
    let acceptedTotal = 0;
    for (let r = 0; r < ROOMS; r++) {
      const room = `${t.room}-${r + 1}`;
      const inRoom = bots.filter((b) => b.room === room);
      const accepted = inRoom.flatMap((b) => b.accepted);
      acceptedTotal += accepted.length;
      for (const b of inRoom) {
        const seen = b.bot.chat;
        for (const m of accepted) {
          const copies = seen.filter((s) => s.id === m.id).length;
          if (copies !== 1) problems.push(`${b.bot.userId} got "${m.text}" ${copies}x`);
        }
        const texts = seen.map((s) => s.text);
        for (const dup of new Set(texts.filter((x, k) => texts.indexOf(x) !== k))) problems.push(`${b.bot.userId} got "${dup}" twice under different ids`);
      }
      const late = t.bot(`late-${r + 1}`, { url: lb.url });
      const history = (await late.provider.joinRoom(room)).chat;
      for (const m of accepted) if (history.filter((h) => h.id === m.id).length !== 1) problems.push(`history of ${room} has "${m.text}" ${history.filter((h) => h.id === m.id).length}x`);
      const htexts = history.map((h) => h.text);
      for (const dup of new Set(htexts.filter((x, k) => htexts.indexOf(x) !== k))) problems.push(`history of ${room} has "${dup}" twice`);
    }
    t.check('no accepted chat lost or duplicated (every bot and the room history)', acceptedTotal > 0 && problems.length === 0,
      problems.length ? `${problems.length} problems: ${problems.slice(0, 4).join('; ')}` : `${acceptedTotal} accepted, each seen once by every bot of its room`);

    const counts = await lb.responseCounts();
    const badLines = lb.output.filter((l) => l.includes('rtgw_public') && (/ (5\d\d|-1) \d+ /.test(l) || (l.includes('/realtime') && !/ 101 \d+ /.test(l))));
    t.check('the load balancer answered no 5xx and refused no upgrade', (counts['5xx'] ?? 0) === 0 && badLines.length === 0,
      `${counts['1xx'] ?? 0} upgrades, ${counts['2xx'] ?? 0} 2xx, ${counts['5xx'] ?? 0} 5xx${badLines.length ? `; ${badLines[0]}` : ''}`);
  },
};
export default scenario;
