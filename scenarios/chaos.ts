/**
 * Chaos: three nodes on one Redis (each through its own Redis link), 60 bots over four rooms that
 * walk, chat with unique texts and lose their sockets at random, while Redis restarts, one node is
 * SIGKILLed (and started again) and one is frozen with SIGSTOP past its lease, then resumed. It
 * passes only when, at the end, the convergence check holds: member views agree with the live
 * sessions, fresh joiners see exactly them, nobody got frames from a user outside its view, no
 * accepted chat is lost and none is duplicated.
 */
import { randomBytes } from 'node:crypto';
import { ChaosBot } from './support/chaos-bot.js';
import { checkConvergence } from './support/convergence.js';
import { spawnGateway, type GatewayProcess } from './support/gateway-process.js';
import { RedisLink } from './support/redis-link.js';
import { startRedisServer } from './support/redis-server.js';
import type { Scenario } from './support/scenario.js';
import { hsToken } from './support/tokens.js';

const BOTS = 60;
const ROOMS = 4;
const NODES = 3;
const HEARTBEAT_MS = 500;
const LEASE_MS = 2000;
const GRACE_MS = 1500;
/** Chat attempts per room stay under the history size (50), so history can be checked whole. */
const CHATS_PER_ROOM = 45;
const DEFAULT_DURATION_S = 180;

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  // Bots are many independent sockets with no common event: re-check on a short poll, bounded.
  while (!check()) {
    if (Date.now() > deadline) return false;
    await delay(100);
  }
  return true;
}

const scenario: Scenario = {
  name: 'chaos',
  description: `three nodes, ${BOTS} bots with abrupt kills, a Redis restart, a node SIGKILL and a SIGSTOP past its lease: membership converges, no accepted chat lost or duplicated (--duration, default ${DEFAULT_DURATION_S} s)`,
  needs: { nodes: 0, ownGatewayReason: 'kills, freezes and restarts its own nodes and redis-server' },
  async run(t) {
    const durationMs = (t.durationS ?? DEFAULT_DURATION_S) * 1000;
    const secret = randomBytes(32).toString('base64url');
    const prefix = `chaos-${randomBytes(4).toString('hex')}:`;
    const redis = await t.step('start redis-server', () => startRedisServer());
    t.onCleanup(() => redis.stop());
    const env: Record<string, string> = { RTGW_JWT_SECRET: secret, RTGW_LOG_LEVEL: 'warn' };
    const gatewayFaults = t.faults.filter((f) => !f.startsWith('sim-'));
    if (gatewayFaults.length) env.RTGW_FAULTS = gatewayFaults.join(',');
    const nodes: Array<{ process: GatewayProcess; link: RedisLink; up: boolean; frozen: boolean }> = [];
    t.onCleanup(() =>
      Promise.allSettled(
        nodes.map(async (n) => {
          if (n.frozen) n.process.child.kill('SIGCONT');
          await n.process.kill();
          await n.link.close();
        }),
      ),
    );
    await t.step(`start ${NODES} nodes, each through its own Redis link`, async () => {
      for (let i = 0; i < NODES; i++) {
        const link = await RedisLink.start(redis.url);
        const args = ['--port', '0', '--redis', link.redisUrl, '--key-prefix', prefix, '--node-id', `chaos-${i + 1}`];
        args.push('--heartbeat-ms', String(HEARTBEAT_MS), '--lease-ms', String(LEASE_MS), '--grace-ms', String(GRACE_MS));
        nodes.push({ process: await spawnGateway({ args, env }), link, up: true, frozen: false });
      }
    });
    const wsUrl = (n: (typeof nodes)[number]) => `${n.process.url.replace(/^http/, 'ws')}/realtime`;
    const token = (roomId: string, userId: string) => hsToken(secret, roomId, userId);
    const rooms = Array.from({ length: ROOMS }, (_, i) => `${t.room}-${i + 1}`);
    const pickNode = () => {
      const up = nodes.filter((n) => n.up);
      return up.length ? wsUrl(up[Math.floor(Math.random() * up.length)]!) : undefined;
    };
    const bots = Array.from({ length: BOTS }, (_, i) => new ChaosBot({ userId: `chaos-bot-${i + 1}`, roomId: rooms[i % ROOMS]!, pickNode, token }));
    t.onCleanup(() => bots.forEach((b) => b.stop()));
    await t.within(`${BOTS} bots join ${ROOMS} rooms`, 30_000, Promise.all(bots.map((b) => b.connect())));

    // Background chaos: motion at 5 Hz, one chat a second, one abrupt kill a second (half of them
    // right after a chat, so a resend after the reconnect is common).
    const chatsByRoom = new Map<string, number>();
    let chats = 0;
    let kills = 0;
    const chatFrom = (bot: ChaosBot, loseAnswer = false) => {
      const room = rooms[bots.indexOf(bot) % ROOMS]!;
      if ((chatsByRoom.get(room) ?? 0) >= CHATS_PER_ROOM) return false;
      const text = `${bot.userId} says #${++chats} ${randomBytes(3).toString('hex')}`;
      const sent = loseAnswer ? bot.chatAndLoseAnswer(text) : bot.chat(text);
      if (sent) chatsByRoom.set(room, (chatsByRoom.get(room) ?? 0) + 1);
      return sent;
    };
    const any = () => bots[Math.floor(Math.random() * bots.length)]!;
    // Every 5 s a chat whose answer is lost with its socket: it is always resent.
    const lostAnswers = setInterval(() => {
      if (chatFrom(any(), true)) kills++;
    }, 5000);
    const timers = [
      lostAnswers,
      setInterval(() => bots.forEach((b) => b.move()), 200),
      setInterval(() => chatFrom(any()), Math.max(200, Math.floor(durationMs / (ROOMS * CHATS_PER_ROOM)))),
      setInterval(() => {
        const victim = any();
        if (Math.random() < 0.5) chatFrom(victim);
        victim.kill();
        kills++;
      }, 1000),
    ];
    const stopChaos = () => timers.forEach((x) => clearInterval(x));
    t.onCleanup(stopChaos);

    const at = async (fraction: number) => delay(Math.max(0, t0 + durationMs * fraction - Date.now()));
    const t0 = Date.now();
    await at(0.2);
    await t.step('restart redis-server (empty)', async () => {
      await redis.stop();
      await delay(1000);
      await redis.restart();
    });
    await at(0.45);
    const killed = nodes[2]!;
    await t.step('SIGKILL node 3, start it again 5 s later', async () => {
      killed.up = false;
      await killed.process.kill();
      await delay(5000);
      await killed.process.restart();
      killed.up = true;
    });
    await at(0.7);
    const frozen = nodes[1]!;
    await t.step(`SIGSTOP node 2 for ${LEASE_MS + 4 * HEARTBEAT_MS} ms (past its lease), then SIGCONT`, async () => {
      frozen.up = false;
      frozen.frozen = true;
      frozen.process.child.kill('SIGSTOP');
      await delay(LEASE_MS + 4 * HEARTBEAT_MS);
      frozen.process.child.kill('SIGCONT');
      frozen.frozen = false;
      frozen.up = true;
    });
    await at(1);
    stopChaos();
    t.check('the chaos ran', kills > 0 && chats > 0, `${kills} kills, ${chats} chats sent, ${bots.reduce((n, b) => n + b.clients.length, 0)} sockets opened`);

    const settled = await until(() => bots.every((b) => b.live && b.unanswered === 0), 20_000);
    const stuck = bots.filter((b) => !b.live || b.unanswered > 0);
    t.check('every bot is back in its room and every chat_send was answered', settled, `${stuck.length} not settled: ${stuck.slice(0, 5).map((b) => `${b.userId} (live ${b.live}, unanswered ${b.unanswered})`).join(', ')}`);
    bots.forEach((b) => b.freeze());

    const report = await checkConvergence({ clients: bots.flatMap((b) => b.clients), rooms, nodes: nodes.filter((n) => n.up).map((n) => n.process.url), token });
    const accepted = bots.flatMap((b) => b.clients.flatMap((c) => c.accepted)).length;
    const closes = new Map<number, number>();
    for (const code of bots.flatMap((b) => b.closes)) closes.set(code, (closes.get(code) ?? 0) + 1);
    const summary = `${accepted} chats accepted; closes ${[...closes].map(([c, n]) => `${c}×${n}`).join(' ')}`;
    const about = (re: RegExp) => report.problems.filter((p) => re.test(p));
    const views = about(/ sees \[|fresh joiner/);
    const frames = about(/received a (transform|chat) from/);
    const lost = about(/lacks \d+ accepted/);
    const duplicated = about(/twice|more than once|with \d+ ids/);
    const show = (list: string[]) => `${list.length} problem(s): ${list.slice(0, 3).map((p) => (p.length > 240 ? `${p.slice(0, 240)}…` : p)).join(' | ')}`;
    t.check('member views agree with the live sessions within 15 s, and fresh joiners on every node see exactly them', views.length === 0, views.length ? show(views) : `agreed after ${report.viewsAgreedAfterMs} ms; ${summary}`);
    t.check('nobody received transforms or chat from a user outside its member view', frames.length === 0, show(frames));
    t.check('0 accepted chat lost from history', lost.length === 0, lost.length ? show(lost) : summary);
    t.check('0 chat duplicated, in history or in what anyone received', duplicated.length === 0, show(duplicated));
    t.check('nothing else is wrong', report.ok, show(report.problems));
  },
};
export default scenario;
