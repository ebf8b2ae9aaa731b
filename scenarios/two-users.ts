import { transformIntervalMs, WS_DEFAULTS } from '../client/index.js';
import { increasing, sameMembers, streamTransforms } from './support/motion.js';
import type { Scenario } from './support/scenario.js';

const STREAM_MS = 3000;

const scenario: Scenario = {
  name: 'two-users',
  description: 'two users join one room, see each other, stream transforms at 20 Hz both ways and chat both ways',
  needs: {},
  async run(t) {
    const alice = t.bot('alice');
    const bob = t.bot('bob');
    await t.step(`alice joins room ${t.room}`, () => alice.provider.joinRoom(t.room));
    const bobRoom = await t.step('bob joins the same room', () => bob.provider.joinRoom(t.room));
    const listed = bobRoom.members.map((m) => m.userId);
    t.check("bob's room_state lists alice and bob", sameMembers(listed, ['alice', 'bob']), listed.join(', '));
    await t.within('alice is told that bob joined', 2000, alice.until('member_joined bob', () => alice.joined.some((m) => m.userId === 'bob')));

    const started = Date.now();
    const lastSent = await t.step(`both send transforms at 20 Hz for ${STREAM_MS / 1000} s`, () => streamTransforms([alice, bob], 20, STREAM_MS));
    const ended = Date.now();
    await t.within("each receives the other's last transform", 2000, Promise.all([
      bob.until("alice's last transform", () => bob.from('alice').at(-1)?.p[0] === lastSent.get('alice')),
      alice.until("bob's last transform", () => alice.from('bob').at(-1)?.p[0] === lastSent.get('bob')),
    ]));
    // The SDK paces to 90 % of the device limit; expect at least 90 % of that pace after a 0.5 s warm-up.
    const paced = 1000 / transformIntervalMs('desktop', WS_DEFAULTS.transformRateSafety);
    for (const [receiver, sender] of [[bob, 'alice'], [alice, 'bob']] as const) {
      const got = receiver.from(sender);
      const inWindow = got.filter((x) => x.receivedAt >= started + 500 && x.receivedAt <= ended).length;
      const rate = inWindow / ((ended - started - 500) / 1000);
      t.check(`${receiver.userId} receives ${sender}'s transforms at ≥ ${(paced * 0.9).toFixed(1)}/s and ≤ 20/s`, rate >= paced * 0.9 && rate <= 20.5, `${rate.toFixed(1)}/s`);
      t.check(`${receiver.userId} receives ${sender}'s transforms in order`, increasing(got.map((x) => x.p[0])), `${got.length} transforms`);
      t.check(`${receiver.userId} never receives its own transforms`, receiver.from(receiver.userId).length === 0);
    }

    for (const [from, to, text] of [[alice, bob, 'hello bob'], [bob, alice, 'hi alice']] as const) {
      const echo = await t.within(`${from.userId}'s chat is acknowledged by the gateway`, 1000, from.provider.sendChat(text));
      await t.within(`${to.userId} receives "${text}"`, 1000, to.until('the chat', () => to.chat.some((m) => m.id === echo.id && m.text === text)));
    }
  },
};
export default scenario;
