/**
 * HS256 signing for `rtgw token`, on node:crypto alone. The gateway's TokenIssuer (gateway/auth.ts)
 * signs the same claims with jose, but loading jose and zod costs a short-lived command most of its
 * start-up; test/cli/token-sign.test.ts proves the gateway's verifier accepts these tokens and that
 * the claims match TokenIssuer's, so the two cannot drift apart unnoticed.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface SignRequest {
  userId: string;
  roomId: string;
  displayName?: string;
  device: 'desktop' | 'mobile';
  ttlSeconds: number;
  audience: string;
  issuer?: string;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function signHs256Token(secret: string, req: SignRequest, now = Date.now()): { token: string; expiresAt: number } {
  const iat = Math.floor(now / 1000);
  const exp = iat + req.ttlSeconds;
  // Same claim set and order as TokenIssuer.issue: room, device, name?, sub, aud, iat, exp, jti, iss?.
  const claims: Record<string, unknown> = { room: req.roomId, device: req.device };
  if (req.displayName) claims.name = req.displayName;
  Object.assign(claims, { sub: req.userId, aud: req.audience, iat, exp, jti: randomUUID() });
  if (req.issuer) claims.iss = req.issuer;
  const signingInput = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return { token: `${signingInput}.${signature}`, expiresAt: exp * 1000 };
}
