import { Limits } from '../protocol/index.js';
import { RawClient } from './support/raw-client.js';
import type { Scenario } from './support/scenario.js';

const scenario: Scenario = {
  name: 'chat-limits',
  description: '240 characters accepted, 241 rejected too_long, empty rejected, a burst past 5 per 10 s rejected with retryAfterMs, then accepted again',
  needs: {},
  async run(t) {
    const user = `chatter-${t.room}`; // the anti-spam budget is per user id, gateway-wide
    const c = await t.step(`a client joins room ${t.room}`, () => RawClient.join(t.url(), t.room, user));
    t.onCleanup(() => c.close());
    let n = 0;
    const send = (text: string) => {
      const clientMsgId = `m${++n}`;
      c.send({ type: 'chat_send', text, clientMsgId });
      return Promise.race([
        c.next('chat_broadcast', (m) => m.clientMsgId === clientMsgId).then((m) => ({ accepted: true as const, m })),
        c.next('chat_rejected', (m) => m.clientMsgId === clientMsgId).then((m) => ({ accepted: false as const, m })),
      ]);
    };

    const max = 'é'.repeat(Limits.CHAT_MAX_CODE_POINTS);
    const ok = await send(max);
    t.check('240 characters are accepted', ok.accepted && ok.m.text === max);
    const long = await send('x'.repeat(Limits.CHAT_MAX_CODE_POINTS + 1));
    t.check('241 characters are rejected too_long', !long.accepted && long.m.reason === 'too_long', JSON.stringify(long.m));
    const empty = await send('   ');
    t.check('blank text is rejected empty', !empty.accepted && empty.m.reason === 'empty', JSON.stringify(empty.m));

    // One accepted so far; four more fill the window of five.
    for (let i = 0; i < 4; i++) t.check(`message ${i + 2} of 5 in 10 s is accepted`, (await send(`burst ${i}`)).accepted);
    const spam = await send('one too many');
    const retryAfterMs = !spam.accepted ? spam.m.retryAfterMs : undefined;
    t.check('the 6th message in 10 s is rejected rate_limited', !spam.accepted && spam.m.reason === 'rate_limited', JSON.stringify(spam.m));
    t.check('with retryAfterMs between 0 and 10 s', retryAfterMs !== undefined && retryAfterMs > 0 && retryAfterMs <= Limits.CHAT_WINDOW_MS, `${retryAfterMs} ms`);
    await t.step(`wait retryAfterMs (${retryAfterMs} ms)`, () => new Promise((r) => setTimeout(r, (retryAfterMs ?? 0) + 50)));
    t.check('after it, a message is accepted again', (await send('and we are back')).accepted);
  },
};
export default scenario;
