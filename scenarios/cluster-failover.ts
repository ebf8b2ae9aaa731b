/**
 * Cluster failover: three gateway nodes on a six-process Redis Cluster (three masters, a replica
 * each), bots in rooms spread over every shard, one room busier than the others. The master that
 * owns the busy room's slot is SIGKILLed and its replica promoted. What must hold:
 * - every node says 503 on /readyz while that shard has no master, and 200 again after;
 * - cross-node delivery for the busy room resumes within 5 s of the promotion, without restarting
 *   a gateway (the nodes re-subscribe on the new master by themselves);
 * - what asynchronous replication lost is put back: just before the kill the replica is cut off
 *   (frozen, its replication link closed), so the last join and the last chat reach only the master
 *   that dies. The owner of each re-asserts it: reconciliation writes the membership back, the
 *   re-sync after the store returns merges the chat back into history;
 * - the convergence check of the membership issue holds (views, fresh joiners, no accepted chat
 *   lost or duplicated).
 */
import { randomBytes } from 'node:crypto';
import { keySlot, redisKeys } from '../gateway/store/redis-keys.js';
import { checkConvergence } from './support/convergence.js';
import { spawnGateway, type GatewayProcess } from './support/gateway-process.js';
import { startRedisCluster, type ClusterShard } from './support/redis-cluster.js';
import type { Scenario } from './support/scenario.js';
import { hsToken } from './support/tokens.js';
import { TrackedClient } from './support/tracked-client.js';

const NODES = 3;
const ROOMS_PER_SHARD = 2;
const RESUME_MS = 5_000;
const R = [0, 0, 0, 1];

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ready(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1500) }).catch(() => undefined))?.status ?? 0;
}

/** Room ids named after `base`, `perShard` on each shard (by the slot of the room's keys). */
function roomsOnEveryShard(base: string, prefix: string, shards: ClusterShard[], perShard: number): Map<ClusterShard, string[]> {
  const keys = redisKeys(prefix);
  const out = new Map(shards.map((s) => [s, [] as string[]]));
  for (let i = 0; [...out.values()].some((rooms) => rooms.length < perShard); i++) {
    const roomId = `${base}-${i}`;
    const slot = keySlot(keys.events(roomId));
    const rooms = out.get(shards.find((s) => s.slots.some(([from, to]) => slot >= from && slot <= to))!)!;
    if (rooms.length < perShard) rooms.push(roomId);
  }
  return out;
}

const scenario: Scenario = {
  name: 'cluster-failover',
  description: 'three nodes on a six-process Redis Cluster; SIGKILL the master of a busy room\'s shard: /readyz tells, cross-node delivery resumes < 5 s after the promotion, what replication lost is re-asserted, membership converges',
  needs: { nodes: 0, ownGatewayReason: 'starts its own Redis Cluster and kills one of its masters' },
  async run(t) {
    const secret = randomBytes(32).toString('base64url');
    const prefix = `failover-${randomBytes(4).toString('hex')}:`;
    const cluster = await t.step('start a Redis Cluster: 3 masters, 1 replica each, cluster-node-timeout 2000 ms', () => startRedisCluster({ nodeTimeoutMs: 2_000 }));
    t.onCleanup(() => cluster.stop());
    const env: Record<string, string> = { RTGW_JWT_SECRET: secret, RTGW_LOG_LEVEL: 'warn' };
    const gatewayFaults = t.faults.filter((f) => !f.startsWith('sim-'));
    if (gatewayFaults.length) env.RTGW_FAULTS = gatewayFaults.join(',');
    const nodes: GatewayProcess[] = [];
    t.onCleanup(() => Promise.allSettled(nodes.map((n) => n.kill())));
    await t.step(`start ${NODES} rtgw nodes with --redis-cluster (two seeds each)`, async () => {
      for (let i = 0; i < NODES; i++) {
        const seeds = [cluster.seeds[i]!, cluster.seeds[i + NODES]!].join(',');
        // Leases (8 s) outlast a failover (~3 s): a node whose lease shard fails over is not reaped meanwhile.
        const args = ['--port', '0', '--redis-cluster', seeds, '--key-prefix', prefix, '--node-id', `failover-${i + 1}`, '--heartbeat-ms', '1000', '--lease-ms', '8000'];
        nodes.push(await spawnGateway({ args, env }));
      }
    });
    const wsUrl = (i: number) => `${nodes[i]!.url.replace(/^http/, 'ws')}/realtime`;
    const token = (roomId: string, userId: string) => hsToken(secret, roomId, userId);
    const clients: TrackedClient[] = [];
    t.onCleanup(() => clients.forEach((c) => c.kill()));
    const join = async (node: number, roomId: string, userId: string) => {
      const client = await TrackedClient.join(wsUrl(node), await token(roomId, userId), userId, `${userId}@node-${node + 1}`, 10_000);
      clients.push(client);
      return client;
    };

    const shards = await cluster.shards();
    const byShard = roomsOnEveryShard(t.room, prefix, shards, ROOMS_PER_SHARD);
    const rooms = [...byShard.values()].flat();
    const victim = shards[0]!;
    const busy = byShard.get(victim)![0]!;
    const leaseShard = shards.findIndex((s) => s.slots.some(([from, to]) => keySlot(redisKeys(prefix).nodes) >= from && keySlot(redisKeys(prefix).nodes) <= to));
    const members = new Map<string, TrackedClient[]>();
    await t.within(`bots join ${rooms.length} rooms, ${ROOMS_PER_SHARD} on each shard, one member per node (two in the busy room ${busy})`, 20_000, Promise.all(
      rooms.map(async (roomId) => {
        const perNode = roomId === busy ? 2 : 1;
        const joined = await Promise.all(Array.from({ length: NODES * perNode }, (_, k) => join(k % NODES, roomId, `${roomId}-u${k}`)));
        members.set(roomId, joined);
      }),
    ));
    const everyoneSees = () => [...members.values()].every((list) => list.every((c) => c.view.size === list.length - 1 + (c.roomId === busy ? lateJoined : 0)));
    let lateJoined = 0;
    await t.within('every member sees every other, across nodes', 10_000, until(everyoneSees));
    const [sender, , receiver] = members.get(busy)!; // on nodes 1 and 3
    const talker = members.get(busy)![1]!; // on node 2

    // Cut the replica off: frozen, and its replication link closed by the master, so what follows
    // reaches only the master that is about to die.
    const replica = cluster.node(victim.replicas[0]!);
    const master = cluster.node(victim.master);
    await t.step(`freeze the replica ${replica.key} and close its link: the next writes reach only ${master.key}`, async () => {
      replica.pause();
      const redis = cluster.connect(master.key);
      try {
        await redis.call('CLIENT', 'KILL', 'TYPE', 'replica');
      } finally {
        redis.disconnect();
      }
    });
    const late = await t.step('a late joiner joins the busy room on node 2 (written to the master only)', () => join(1, busy, `${busy}-late`));
    lateJoined = 1;
    const lastChat = await t.step('a member on node 1 chats (written to the master only)', () => sender!.sendChat('the last chat before the failover'));
    t.check('the last chat was accepted', lastChat.accepted, JSON.stringify(lastChat));
    await t.within('and both reach the other nodes live', 3_000, Promise.all([until(everyoneSees), receiver!.next('chat_broadcast', (m) => m.text === 'the last chat before the failover', 3_000)]));

    // Transforms from node 1 at 20 Hz, throughout; delivery has resumed once one sent after the kill reaches node 3.
    let seq = 0;
    const motion = setInterval(() => sender!.send({ type: 'avatar_transform', p: [++seq, 0, 0], r: R, seq }), 50);
    t.onCleanup(() => clearInterval(motion));
    await delay(200);
    const seqAtKill = seq;
    const killedAt = Date.now();
    await t.step(`SIGKILL ${master.key} (master of ${busy}${leaseShard === 0 ? ', and of the lease key' : ''}); let its replica run again`, async () => {
      await master.kill();
      replica.resume();
    });
    const promotion = cluster.promoted(replica.key, 20_000);
    const resumed = receiver!.next('avatar_transform_broadcast', (m) => m.transforms.some((tr) => tr.userId === sender!.userId && (tr.seq ?? 0) > seqAtKill), 25_000).then(() => Date.now());
    const saw503 = new Set<number>();
    const watchReady = (async () => {
      // /readyz has no push channel: ask every node every 100 ms until all are ready after the promotion.
      let promotedYet = false;
      void promotion.then(() => (promotedYet = true), () => {});
      for (;;) {
        const codes = await Promise.all(nodes.map((n) => ready(n.url)));
        codes.forEach((code, i) => code === 503 && saw503.add(i));
        if (promotedYet && codes.every((c) => c === 200)) return Date.now();
        if (Date.now() - killedAt > 30_000) throw new Error(`not ready again: ${codes.join(', ')}`);
        await delay(100);
      }
    })();
    const promotedAt = await t.within('the replica is promoted', 20_000, promotion);
    const resumedAt = await resumed;
    const readyAt = await watchReady;
    clearInterval(motion);
    t.check(
      `cross-node delivery for ${busy} resumes within ${RESUME_MS / 1000} s of the promotion`,
      resumedAt - promotedAt <= RESUME_MS,
      `promoted ${promotedAt - killedAt} ms after the kill; delivery resumed ${resumedAt - promotedAt} ms after the promotion (${resumedAt - killedAt} ms after the kill)`,
    );
    t.check('every node said 503 on /readyz while the shard had no master, and 200 again after', saw503.size === NODES, `503 seen on ${saw503.size} of ${NODES} nodes; all 200 again ${readyAt - promotedAt} ms after the promotion`);
    const answer = await talker.sendChat('after the failover');
    await t.within('chat crosses nodes again', 3_000, Promise.all([sender!, receiver!].map((c) => c.next('chat_broadcast', (m) => m.text === 'after the failover', 3_000))));
    t.check('the chat after the failover was accepted', answer.accepted);

    for (const c of clients) c.send({ type: 'avatar_transform', p: [0, 0, 0], r: R, seq: 1_000_000 });
    const report = await checkConvergence({ clients, rooms, nodes: nodes.map((n) => n.url), token });
    const lost = report.problems.filter((p) => /lacks \d+ accepted/.test(p));
    const views = report.problems.filter((p) => / sees \[|fresh joiner/.test(p));
    t.check('the late joiner (lost with the dead master) is a member again: fresh joiners on every node see exactly the live members', views.length === 0, views.slice(0, 3).join(' | ') || `views agreed after ${report.viewsAgreedAfterMs} ms`);
    t.check('no accepted chat lost from history (the last one before the kill merged back)', lost.length === 0, lost.join(' | ') || `${clients.flatMap((c) => c.accepted).length} accepted`);
    t.check('nothing else is wrong (no frames from outside a view, no duplicates)', report.ok, report.problems.slice(0, 3).join(' | '));
    late.leave();
  },
};

/** Poll a condition over many sockets (no single event to await), every 50 ms. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await delay(50);
}

export default scenario;
