import { createRealtimeProvider, type BroadcastTransform, type ChatMessage } from '../client/index.js';
import type { Scenario } from './support/scenario.js';

const scenario: Scenario = {
  name: 'sim-fallback',
  description: 'with REALTIME_PROVIDER=sim the SDK runs with no gateway and delivers members, movement and chat',
  needs: { nodes: 0 },
  async run(t) {
    // The app's code is the same as with a gateway; only the flag differs. The URL leads nowhere.
    const flags = t.faults.includes('sim-flag-ignored') ? {} : { REALTIME_PROVIDER: 'sim' };
    const provider = createRealtimeProvider({ url: 'http://127.0.0.1:9', userId: 'offline-demo', env: flags, members: 3, chatEveryMs: 1500, seed: 7, connectTimeoutMs: 2000 });
    t.onCleanup(() => provider.disconnect());
    const transforms: BroadcastTransform[] = [];
    const chat: ChatMessage[] = [];
    provider.on('transforms', (ts) => transforms.push(...ts));
    provider.on('chat', (m) => chat.push(m));
    t.check('the flag picks the simulated provider', provider.kind === 'sim', provider.kind);
    const room = await t.within('joining a room works with no gateway', 2000, provider.joinRoom('demo'));
    const others = room.members.filter((m) => m.userId !== 'offline-demo');
    t.check('simulated members are present', others.length === 3, others.map((m) => m.displayName).join(', '));
    await t.step('watch for 4 s', () => new Promise((r) => setTimeout(r, 4000)));
    const movers = new Set(transforms.map((x) => x.userId));
    t.check('every simulated member moves', movers.size === 3, `${transforms.length} transforms from ${movers.size} members`);
    const firstX = new Map<string, number>();
    const moved = transforms.filter((x) => (firstX.has(x.userId) ? firstX.get(x.userId) !== x.p[0] : (firstX.set(x.userId, x.p[0]), false)));
    t.check('positions change over time', moved.length > 0);
    t.check('simulated members chat', chat.some((m) => m.userId !== 'offline-demo'), `${chat.length} messages`);
    const own = await t.within("this client's own chat is echoed", 1000, provider.sendChat('hello, simulation'));
    t.check('with the text sent', own.text === 'hello, simulation');
  },
};
export default scenario;
