import { devIssuerTokenSource } from '../client/index.js';
import { ChaosProxy } from './support/chaos-proxy.js';
import type { Scenario } from './support/scenario.js';

const TTL_S = 3;

const scenario: Scenario = {
  name: 'token-refresh',
  description: `tokens live ${TTL_S} s: sessions survive several expiries by refresh; a bot offline past expiry gets a new token and rejoins`,
  needs: { serveArgs: ['--token-ttl', String(TTL_S)], ownGatewayReason: `needs --token-ttl ${TTL_S} on the gateway` },
  async run(t) {
    const steady = t.bot('steady');
    const proxy = await ChaosProxy.start(t.url());
    t.onCleanup(() => proxy.close());
    let fetches = 0;
    const source = devIssuerTokenSource({ url: proxy.url, userId: 'traveller' });
    const traveller = t.bot('traveller', { url: proxy.url, getToken: (room) => (fetches++, source(room)), maxReconnectDelayMs: 1000 });
    await t.step(`both join room ${t.room}`, () => Promise.all([steady.provider.joinRoom(t.room), traveller.provider.joinRoom(t.room)]));
    steady.reset();
    traveller.reset();

    // Two lifetimes plus the 5 s clock skew the gateway allows past `exp`, plus a margin: a
    // gateway that ignored refresh_token would have ended the session within this span.
    const spanMs = (TTL_S * 2 + 5 + 1) * 1000;
    const moving = setInterval(() => traveller.provider.sendTransform([Date.now() % 1000, 0, 0], [0, 0, 0, 1]), 100);
    t.onCleanup(() => clearInterval(moving));
    await t.step(`keep the session for ${spanMs / 1000} s (${Math.floor(spanMs / 1000 / TTL_S)} token lifetimes)`, () => new Promise((r) => setTimeout(r, spanMs)));
    const drops = [...steady.states, ...traveller.states].filter((s) => s.status !== 'open');
    t.check('no session was closed or reconnected: every expiry was met by refresh_token', drops.length === 0, drops.map((s) => `${s.status} ${s.closeCode ?? ''} ${s.reason ?? ''}`).join('; ') || 'none');
    const recent = steady.from('traveller').filter((x) => x.receivedAt > Date.now() - 1000).length;
    t.check("transforms still flow after the first token's expiry", recent > 0, `${recent} in the last second`);

    fetches = 0;
    proxy.offline = true;
    await t.step(`the traveller goes offline for ${TTL_S + 1} s (past its token's expiry)`, () => {
      proxy.cut();
      return new Promise((r) => setTimeout(r, (TTL_S + 1) * 1000));
    });
    traveller.reset();
    proxy.offline = false;
    await t.within('back online, it rejoins', 5000, traveller.until('rejoined', () => traveller.roomStates.length > 0 && traveller.status === 'open', 6000));
    t.check('with a new token from POST /rooms/join', fetches >= 1, `${fetches} token fetch(es)`);
  },
};
export default scenario;
