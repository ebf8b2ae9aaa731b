import { SignJWT } from 'jose';
import { AuthErrorCode, CloseCode } from '../protocol/index.js';
import { streamTransforms } from './support/motion.js';
import { RawClient, fetchToken } from './support/raw-client.js';
import type { Scenario } from './support/scenario.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

const scenario: Scenario = {
  name: 'auth-reject',
  description: "tampered, expired, wrong-audience, alg none, missing and wrong-room tokens get the contract's auth_error and close code; others stay served",
  needs: {},
  async run(t) {
    const [watcher, mover] = [t.bot('watcher'), t.bot('mover')];
    await t.step(`two members join room ${t.room}`, () => Promise.all([watcher.provider.joinRoom(t.room), mover.provider.joinRoom(t.room)]));
    const moving = streamTransforms([mover], 10, 4000);

    const good = await fetchToken(t.url(), t.room, 'intruder');
    const [header, payload, signature] = good.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, object, string, number]> = [
      ['a tampered token', { token: `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}` }, AuthErrorCode.TOKEN_INVALID, CloseCode.AUTH_FAILED],
      ['an alg: none token', { token: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.` }, AuthErrorCode.TOKEN_INVALID, CloseCode.AUTH_FAILED],
      ['no token', {}, AuthErrorCode.TOKEN_MISSING, CloseCode.AUTH_FAILED],
      ['a token for another room', { token: good, roomId: `${t.room}-other` }, AuthErrorCode.ROOM_MISMATCH, CloseCode.AUTH_FAILED],
    ];
    const secret = t.env.jwtSecret;
    if (secret) {
      const key = new TextEncoder().encode(secret);
      const sign = (aud: string, iat: number, exp: number) =>
        new SignJWT({ room: t.room }).setProtectedHeader({ alg: 'HS256' }).setSubject('intruder').setAudience(aud).setIssuedAt(iat).setExpirationTime(exp).sign(key);
      cases.push(['an expired token', { token: await sign('rtgw', now - 120, now - 60) }, AuthErrorCode.TOKEN_EXPIRED, CloseCode.TOKEN_EXPIRED]);
      cases.push(['a wrong-audience token', { token: await sign('not-rtgw', now, now + 60) }, AuthErrorCode.TOKEN_INVALID, CloseCode.AUTH_FAILED]);
    } else {
      t.check('expired and wrong-audience tokens need --jwt-secret to forge: not checked', true);
    }
    for (const [what, join, code, closeCode] of cases) {
      const c = await RawClient.open(t.url());
      c.send({ type: 'join_room', ...join });
      const err = await c.next('auth_error').catch(() => undefined);
      const closed = await Promise.race([c.closed, new Promise<undefined>((r) => setTimeout(r, 3000))]);
      c.close();
      const admitted = c.all('room_state').length > 0;
      t.check(`${what}: auth_error ${code}, close ${closeCode}, never admitted`, err?.code === code && closed?.code === closeCode && !admitted,
        `got ${err?.code ?? 'no auth_error'}, close ${closed?.code ?? 'none'}${admitted ? ', but room_state first' : ''}`);
    }
    await moving;
    const last = watcher.from('mover').at(-1);
    t.check('the gateway kept serving the room meanwhile', last !== undefined && Date.now() - last.receivedAt < 1000, `${watcher.from('mover').length} transforms`);
  },
};
export default scenario;
