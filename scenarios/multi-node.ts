import { ChaosProxy } from './support/chaos-proxy.js';
import { sameMembers, streamTransforms } from './support/motion.js';
import { RawClient } from './support/raw-client.js';
import type { Scenario } from './support/scenario.js';

const FAILOVER_MS = 3000;
const GHOST_MS = 15_000;

const scenario: Scenario = {
  name: 'multi-node',
  description: 'two nodes on one Redis: members on different nodes see each other; SIGKILL one: its bots fail over in < 3 s, its ghosts vanish in < 15 s',
  needs: { redis: true, nodes: 2, ownGatewayReason: 'starts two nodes and kills one' },
  async run(t) {
    // Bots of node 2 reach it through a fail-over proxy (node 2 first, else node 1), as behind a load balancer.
    const balancer = await ChaosProxy.start(t.url(1), t.url(0));
    t.onCleanup(() => balancer.close());
    const [a1, a2] = [t.bot('a1', { node: 0 }), t.bot('a2', { node: 0 })];
    const [b1, b2] = [t.bot('b1', { url: balancer.url }), t.bot('b2', { url: balancer.url })];
    const bots = [a1, a2, b1, b2];
    await t.step(`a1, a2 join on node 1 and b1, b2 on node 2 (room ${t.room})`, () => Promise.all(bots.map((b) => b.provider.joinRoom(t.room))));
    const ghost = await t.step('a ghost joins on node 2 with a client that will not reconnect', () => RawClient.join(t.url(1), t.room, 'ghost'));
    t.onCleanup(() => ghost.close());
    const everyone = ['a1', 'a2', 'b1', 'b2', 'ghost'];
    await t.within('everyone sees everyone across nodes', 2000, Promise.all(bots.map((b) => b.until('all members', () => sameMembers(b.members(), everyone.filter((id) => id !== b.userId))))));
    const last = await t.step('all move for 1 s', () => streamTransforms(bots, 20, 1000));
    await t.within("a1 (node 1) receives b1's transforms (node 2) and b1 a1's", 2000, Promise.all([
      a1.until('b1', () => a1.from('b1').at(-1)?.p[0] === last.get('b1')),
      b1.until('a1', () => b1.from('a1').at(-1)?.p[0] === last.get('a1')),
    ]));
    const hello = await b2.provider.sendChat('from node 2');
    await t.within('chat crosses nodes', 1000, a2.until('chat', () => a2.chat.some((m) => m.id === hello.id)));

    for (const bot of bots) bot.reset();
    const killedAt = Date.now();
    await t.step('SIGKILL node 2', () => t.env.process(1).kill());
    await t.within(`b1 and b2 fail over to node 1 in under ${FAILOVER_MS / 1000} s`, FAILOVER_MS, Promise.all([b1, b2].map((b) => b.until('rejoined', () => b.roomStates.length > 0 && b.status === 'open', FAILOVER_MS + 1000))));
    const left = await t.within(`the ghost is removed within ${GHOST_MS / 1000} s`, GHOST_MS, a1.until('ghost left', () => a1.left.some((m) => m.userId === 'ghost'), GHOST_MS + 1000).then(() => Date.now() - killedAt));
    t.check('announced as member_left disconnected', a1.left.find((m) => m.userId === 'ghost')?.reason === 'disconnected', `after ${left} ms`);
    t.check('the failed-over bots were never announced as left', !a1.left.some((m) => m.userId === 'b1' || m.userId === 'b2'), a1.left.map((m) => m.userId).join(', ') || 'none');
    t.check("a1's member list is whole", sameMembers(a1.members(), ['a2', 'b1', 'b2']), a1.members().join(', '));
  },
};
export default scenario;
