import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { TestClient, joinAs, wsUrlOf } from '../helpers/ws-client.js';

afterEach(closeTestGateways);
const R = [0, 0, 0, 1];

describe('bad input gets a coded answer and costs the others nothing', () => {
  it('answers each kind of bad message with its error code and keeps the socket open', async () => {
    const gw = await startTestGateway({ maxBadMessages: 100 });
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    const cases: Array<[string | Buffer, string, RegExp, boolean?]> = [
      ['{not json', 'bad_message', /not valid JSON/],
      ['[1,2]', 'bad_message', /JSON object/],
      ['{"kind":"x"}', 'bad_message', /string "type"/],
      ['{"type":"teleport"}', 'unknown_type', /teleport/],
      ['{"type":"__proto__"}', 'unknown_type', /__proto__/],
      ['{"type":"avatar_transform","p":[0,0],"r":[0,0,0,1]}', 'bad_message', /avatar_transform: p/],
      ['{"type":"avatar_transform","p":[0,"1",0],"r":[0,0,0,1]}', 'bad_message', /p\.1/],
      ['{"type":"avatar_transform","p":[0,2000000,0],"r":[0,0,0,1]}', 'bad_message', /p\.1/],
      ['{"type":"avatar_transform","p":[0,0,0],"r":[0,0,0,1],"seq":-1}', 'bad_message', /seq/],
      ['{"type":"avatar_transform","p":[0,0,0],"r":[0,0,0,1],"anim":"' + 'a'.repeat(33) + '"}', 'bad_message', /anim/],
      ['{"type":"chat_send","text":42}', 'bad_message', /text/],
      ['{"type":"chat_send","text":"hi","clientMsgId":"' + 'c'.repeat(65) + '"}', 'bad_message', /clientMsgId/],
      [Buffer.from([1, 2, 3]), 'bad_message', /binary/, true],
    ];
    for (const [frame, code, message, binary] of cases) {
      alice.sendRaw(frame, binary);
      const err = await alice.next('error');
      expect(err.code, String(frame)).toBe(code);
      expect(err.message).toMatch(message);
    }
    // 1e6 is in range; Infinity cannot be sent as JSON at all.
    alice.send({ type: 'avatar_transform', p: [1e6, -1e6, 0], r: R });
    const t = await bob.next('avatar_transform_broadcast');
    expect(t.transforms[0]!.p).toEqual([1e6, -1e6, 0]);
    expect(bob.all('error')).toEqual([]);
  });

  it('refuses room messages before join_room with not_joined', async () => {
    const gw = await startTestGateway();
    const client = await TestClient.open(wsUrlOf(gw.url));
    for (const msg of [{ type: 'avatar_transform', p: [0, 0, 0], r: R }, { type: 'chat_send', text: 'hi' }, { type: 'leave_room' }, { type: 'refresh_token', token: 'x' }]) {
      client.send(msg);
      expect(await client.next('error')).toMatchObject({ code: 'not_joined' });
    }
  });

  it('closes a frame over 4 KiB with 1009', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    alice.sendRaw(JSON.stringify({ type: 'chat_send', text: 'x'.repeat(5000) }));
    expect((await alice.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG);
    bob.send({ type: 'chat_send', text: 'fine' });
    expect((await bob.next('chat_broadcast')).text).toBe('fine');
  });

  it('closes a flood of bad messages with 4004 and the member leaves as kicked', async () => {
    const gw = await startTestGateway({ maxBadMessages: 5 });
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    await alice.next('member_joined');
    for (let i = 0; i < 10; i++) bob.sendRaw('garbage');
    expect((await bob.closed).code).toBe(CloseCode.PROTOCOL_VIOLATION);
    expect(await alice.next('member_left')).toMatchObject({ userId: 'bob', reason: 'kicked' });
    alice.send({ type: 'chat_send', text: 'unaffected' });
    expect((await alice.next('chat_broadcast')).text).toBe('unaffected');
  });
});
