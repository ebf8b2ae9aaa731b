import { sameMembers, streamTransforms } from './support/motion.js';
import type { Scenario } from './support/scenario.js';

const scenario: Scenario = {
  name: 'server-restart',
  description: 'a gateway node is restarted mid-run: every bot recovers, cross-node delivery resumes, no accepted chat is lost',
  needs: { redis: true, nodes: 2, serveArgs: ['--grace-ms', '2000'], ownGatewayReason: 'restarts a node' },
  async run(t) {
    const [a, b] = [t.bot('on-node-1', { node: 0 }), t.bot('on-node-2', { node: 1, maxReconnectDelayMs: 1000 })];
    await t.step(`a bot on each node joins room ${t.room}`, () => Promise.all([a.provider.joinRoom(t.room), b.provider.joinRoom(t.room)]));
    const sent = [await a.provider.sendChat('before 1'), await b.provider.sendChat('before 2')];
    await t.step('restart node 2 (SIGTERM, then start again on the same port)', () => t.env.process(1).restart());
    b.reset();
    await t.within('the bot of node 2 is back in the room', 10_000, b.until('rejoined', () => b.roomStates.length > 0 && b.status === 'open', 11_000));
    await t.within('both see each other again', 3000, Promise.all([
      a.until('sees b', () => sameMembers(a.members(), ['on-node-2'])),
      b.until('sees a', () => sameMembers(b.members(), ['on-node-1'])),
    ]));
    const last = await streamTransforms([a, b], 20, 1000);
    await t.within('transforms cross nodes again', 2000, Promise.all([
      a.until('from b', () => a.from('on-node-2').at(-1)?.p[0] === last.get('on-node-2')),
      b.until('from a', () => b.from('on-node-1').at(-1)?.p[0] === last.get('on-node-1')),
    ]));
    sent.push(await b.provider.sendChat('after'));
    await t.within('chat crosses nodes again', 1000, a.until('chat', () => a.chat.some((m) => m.text === 'after')));
    const late = t.bot('late-joiner', { node: 1 });
    const state = await late.provider.joinRoom(t.room);
    const history = state.chat.map((m) => m.id);
    t.check('chat history kept every accepted message', sent.every((m) => history.includes(m.id)), `${history.length} in history, ${sent.length} sent`);
  },
};
export default scenario;
