import { sameMembers, streamTransforms } from './support/motion.js';
import type { Scenario } from './support/scenario.js';

async function ready(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`).catch(() => undefined))?.status ?? 0;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // /readyz has no push channel: ask it every 100 ms, bounded.
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const scenario: Scenario = {
  name: 'redis-restart',
  description: 'redis-server restarts (empty) mid-run: nodes keep serving, resubscribe by themselves, cross-node delivery resumes, no accepted chat is lost',
  needs: { redis: true, ownRedis: true, nodes: 2, ownGatewayReason: 'restarts redis-server' },
  async run(t) {
    const [a, b] = [t.bot('on-node-1', { node: 0 }), t.bot('on-node-2', { node: 1 })];
    const c = t.bot('also-on-node-1', { node: 0 });
    await t.step(`bots join room ${t.room} on both nodes`, () => Promise.all([a, b, c].map((x) => x.provider.joinRoom(t.room))));
    const sent = [await a.provider.sendChat('before')];
    const redis = t.env.ownRedis();
    await t.step('stop redis-server', () => redis.stop());
    await t.within('/readyz says 503 while Redis is down', 5000, until('503', async () => (await ready(t.url(0))) === 503, 5000));
    sent.push(await t.within('members on the same node still chat', 2000, c.provider.sendChat('during')));
    await t.within('and receive each other', 1000, a.until('during', () => a.chat.some((m) => m.text === 'during')));
    await t.step('start redis-server again (empty: no persistence)', () => redis.restart());
    await t.within('both nodes are ready again', 10_000, until('200', async () => (await ready(t.url(0))) === 200 && (await ready(t.url(1))) === 200, 10_000));
    for (const x of [a, b, c]) x.reset();
    let last = new Map<string, number>();
    await t.within('transforms cross nodes again, without restarting a gateway', 10_000, (async () => {
      for (;;) {
        last = await streamTransforms([a, b], 20, 500);
        if (b.from('on-node-1').at(-1)?.p[0] === last.get('on-node-1')) return;
      }
    })());
    sent.push(await b.provider.sendChat('after'));
    await t.within('chat crosses nodes again', 2000, a.until('after', () => a.chat.some((m) => m.text === 'after')));
    const late = t.bot('late-joiner', { node: 1 });
    const state = await late.provider.joinRoom(t.room);
    const history = state.chat.map((m) => m.id);
    t.check('chat history kept every accepted message (before, during and after the outage)', sent.every((m) => history.includes(m.id)), `${history.length} in history, ${sent.length} sent`);
    t.check('membership was restored', sameMembers(state.members.map((m) => m.userId), ['on-node-1', 'on-node-2', 'also-on-node-1', 'late-joiner']), state.members.map((m) => m.userId).join(', '));
  },
};
export default scenario;
