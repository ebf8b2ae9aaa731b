/**
 * Text one member shows others — chat and display names — carries no control characters, bidi
 * overrides or isolates, nor lone surrogates, and is measured after NFC (protocol/text.ts).
 */
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { checkChatText as clientCheckChatText } from '../../client/chat-rules.js';
import { Limits, checkChatText, cleanDisplayName, cleanText } from '../../protocol/index.js';
import { TEST_SECRET, closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { TestClient, joinAs, wsUrlOf } from '../helpers/ws-client.js';

afterEach(closeTestGateways);

const RLO = '\u202E';
const PDF = '\u202C';
const LRI = '\u2066';
const PDI = '\u2069';

describe('cleanText', () => {
  it('removes C0 and C1 controls and DEL, turning tab and line breaks into spaces', () => {
    expect(cleanText('a\u0000b\u0007c\u001Bd\u007Fe\u0085f\u009Fg')).toBe('abcdefg');
    expect(cleanText('one\ttwo\nthree\r\nfour\vfive\fsix')).toBe('one two three  four five six');
  });

  it('removes bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), and keeps the marks', () => {
    expect(cleanText(`\u202Aa\u202Bb\u202Cc\u202Dd${RLO}e${LRI}f\u2067g\u2068h${PDI}`)).toBe('abcdefgh');
    expect(cleanText('a\u200Eb\u200Fc\u061Cd')).toBe('a\u200Eb\u200Fc\u061Cd');
  });

  it('removes lone surrogates and keeps surrogate pairs (emoji)', () => {
    expect(cleanText('a\uD800b\uDC00c\uDC00\uD800d')).toBe('abcd');
    expect(cleanText('🦊 and 👍🏽')).toBe('🦊 and 👍🏽');
  });

  it('normalises to NFC', () => {
    expect(cleanText('e\u0301')).toBe('\u00E9');
    expect(cleanText('cafe\u0301')).toBe('café');
  });

  it('leaves ordinary text alone (the same string, not a copy)', () => {
    const text = 'Hello, שלום, مرحبا, 你好 — ça va?';
    expect(cleanText(text)).toBe(text);
  });
});

describe('checkChatText', () => {
  it('counts the 240 code points after NFC: 240 decomposed é (480 code points) pass, 241 are too long', () => {
    const decomposed = (n: number) => 'e\u0301'.repeat(n);
    expect(checkChatText(decomposed(Limits.CHAT_MAX_CODE_POINTS))).toEqual({ ok: true, text: '\u00E9'.repeat(Limits.CHAT_MAX_CODE_POINTS) });
    expect(checkChatText(decomposed(Limits.CHAT_MAX_CODE_POINTS + 1))).toEqual({ ok: false, reason: 'too_long' });
  });

  it('counts after stripping: 240 letters with invisible overrides between them pass', () => {
    const text = Array.from({ length: Limits.CHAT_MAX_CODE_POINTS }, () => `x${RLO}`).join('');
    expect(checkChatText(text)).toEqual({ ok: true, text: 'x'.repeat(Limits.CHAT_MAX_CODE_POINTS) });
  });

  it('a text of nothing but stripped characters is empty', () => {
    expect(checkChatText(`${RLO}\u0000\uD800${PDI}\n`)).toEqual({ ok: false, reason: 'empty' });
  });

  it('is the client SDK\'s rule too, so the SDK never sends what the gateway would refuse', () => {
    expect(clientCheckChatText).toBe(checkChatText);
  });
});

describe('cleanDisplayName', () => {
  it('cleans and trims a name, and falls back to the user id when nothing is left', () => {
    expect(cleanDisplayName(` ${RLO}Mallory${PDF}\u0000 `, 'm')).toBe('Mallory');
    expect(cleanDisplayName(`${RLO}${PDI}\u0007`, 'user-7')).toBe('user-7');
    expect(cleanDisplayName(undefined, 'user-7')).toBe('user-7');
  });

  it('cuts back to 32 UTF-16 units a name NFC made longer (U+0958 becomes two code points)', () => {
    const name = cleanDisplayName('\u0958'.repeat(Limits.MAX_DISPLAY_NAME_LENGTH), 'q');
    expect(name).toBe('\u0915\u093C'.repeat(Limits.MAX_DISPLAY_NAME_LENGTH / 2));
  });
});

describe('through the gateway', () => {
  it('chat with controls, overrides and lone surrogates reaches everyone (and the history) cleaned', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    const { client: bob } = await joinAs(gw.url, 'lobby', 'bob');
    // A raw frame: the JSON escape \ud800 is a lone surrogate once parsed.
    alice.sendRaw(JSON.stringify({ type: 'chat_send', text: `pay ${RLO}9.99${PDF} now\u0007`, clientMsgId: 'c1' }).replace('now', 'n\\ud800ow'));
    const seen = await bob.next('chat_broadcast');
    expect(seen.text).toBe('pay 9.99 now');
    expect((await alice.next('chat_broadcast')).text).toBe('pay 9.99 now');
    const { state } = await joinAs(gw.url, 'lobby', 'carol');
    expect(state.chat.map((m) => m.text)).toEqual(['pay 9.99 now']);
  });

  it('a chat of nothing but stripped characters is rejected as empty, and nothing accepted before is lost', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    alice.send({ type: 'chat_send', text: 'first', clientMsgId: 'c1' });
    await alice.next('chat_broadcast');
    alice.send({ type: 'chat_send', text: `${RLO}\u0000${PDI}`, clientMsgId: 'c2' });
    expect(await alice.next('chat_rejected')).toEqual({ type: 'chat_rejected', reason: 'empty', clientMsgId: 'c2' });
    alice.send({ type: 'chat_send', text: 'second', clientMsgId: 'c3' });
    expect((await alice.next('chat_broadcast', (m) => m.clientMsgId === 'c3')).text).toBe('second');
    const { state } = await joinAs(gw.url, 'lobby', 'bob');
    expect(state.chat.map((m) => m.text)).toEqual(['first', 'second']);
  });

  it('a display name from the token is cleaned wherever others see it: room_state, member_joined, chat', async () => {
    const gw = await startTestGateway();
    const { client: alice } = await joinAs(gw.url, 'lobby', 'alice');
    // Any issuer may sign such a name; the JSON escape \udc00 arrives as a lone surrogate.
    const payload = { room: 'lobby', name: `${LRI}Ev\udc00e${PDI}\u0000${RLO}lin` };
    const token = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setSubject('eve').setAudience('rtgw').setIssuedAt().setExpirationTime('1m').sign(new TextEncoder().encode(TEST_SECRET));
    const eve = await TestClient.open(wsUrlOf(gw.url));
    eve.send({ type: 'join_room', token });
    const state = await eve.next('room_state');
    expect(state.members.find((m) => m.userId === 'eve')?.displayName).toBe('Evelin');
    expect((await alice.next('member_joined')).member.displayName).toBe('Evelin');
    eve.send({ type: 'chat_send', text: 'hi' });
    expect((await alice.next('chat_broadcast')).displayName).toBe('Evelin');
  });
});
