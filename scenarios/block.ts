import type { Bot } from './support/bot.js';
import { sameMembers, streamTransforms } from './support/motion.js';
import type { Scenario, ScenarioContext } from './support/scenario.js';

/** The contract: a block takes effect within 1 s. */
const EFFECTIVE_MS = 1000;

async function setBlock(t: ScenarioContext, blocked: boolean): Promise<void> {
  const token = t.env.adminToken;
  if (!token) throw new Error('blocking needs the gateway admin token: pass --admin-token (or RTGW_ADMIN_TOKEN)');
  const res = await fetch(`${t.url()}/admin/blocks`, {
    method: blocked ? 'PUT' : 'DELETE',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'a', blockedUserId: 'b' }),
  });
  if (!res.ok) throw new Error(`${blocked ? 'PUT' : 'DELETE'} /admin/blocks answered ${res.status}`);
}

const anythingFromB = (bot: Bot) => bot.from('b').length + bot.chat.filter((m) => m.userId === 'b').length + bot.joined.filter((m) => m.userId === 'b').length + bot.left.filter((m) => m.userId === 'b').length;

const scenario: Scenario = {
  name: 'block',
  description: 'A blocks B: A receives nothing from B (joins, leaves, transforms, chat), B still sees A, C sees both; unblock restores delivery',
  needs: {},
  async run(t) {
    const [a, b, c] = [t.bot('a'), t.bot('b'), t.bot('c')];
    for (const bot of [a, b, c]) await t.step(`${bot.userId} joins room ${t.room}`, () => bot.provider.joinRoom(t.room));
    await t.step('A blocks B (admin API)', () => setBlock(t, true));
    await t.step(`wait the contract's ${EFFECTIVE_MS} ms for the block to take effect`, () => new Promise((r) => setTimeout(r, EFFECTIVE_MS)));
    for (const bot of [a, b, c]) bot.reset();

    const last = await t.step('everyone moves for 1 s; B and A chat', async () => {
      const sent = await streamTransforms([a, b, c], 20, 1000);
      await b.provider.sendChat('B speaks');
      await a.provider.sendChat('A speaks');
      return sent;
    });
    await t.within("C sees B's transforms and chat", 2000, c.until('B', () => c.from('b').at(-1)?.p[0] === last.get('b') && c.chat.some((m) => m.text === 'B speaks')));
    await t.within("B sees A's transforms and chat", 2000, b.until('A', () => b.from('a').at(-1)?.p[0] === last.get('a') && b.chat.some((m) => m.text === 'A speaks')));
    await t.step('B leaves and joins again', async () => {
      await b.provider.leaveRoom();
      await b.provider.joinRoom(t.room);
    });
    await t.within("C sees B's leave and join", 2000, c.until('leave and join', () => c.left.some((m) => m.userId === 'b') && c.joined.some((m) => m.userId === 'b')));
    // A barrier: C's chat reaches A after anything of B's would have.
    const barrier = await c.provider.sendChat('barrier');
    await a.until('the barrier', () => a.chat.some((m) => m.id === barrier.id));
    t.check('A received nothing that B originated', anythingFromB(a) === 0, `${anythingFromB(a)} events from B`);
    t.check("A still received C's transforms", a.from('c').at(-1)?.p[0] === last.get('c'));
    t.check("B is not in A's member list", sameMembers(a.members(), ['c']), a.members().join(', '));

    await t.step('A unblocks B', () => setBlock(t, false));
    await t.within('A is shown B again (member_joined)', EFFECTIVE_MS, a.until('member_joined b', () => a.joined.some((m) => m.userId === 'b')));
    b.provider.sendTransform([999, 0, 0], [0, 0, 0, 1]);
    await t.within("B's transforms reach A again", EFFECTIVE_MS + 500, a.until('transform from b', () => a.from('b').some((x) => x.p[0] === 999)));
  },
};
export default scenario;
