/** HS256 realtime tokens signed here (no dev issuer needed, and a stopped node cannot stall it). */
import { SignJWT } from 'jose';

export interface TokenOptions {
  audience?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  ttlS?: number;
}

export function hsToken(secret: string, roomId: string, userId: string, o: TokenOptions = {}): Promise<string> {
  const iat = o.iat ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ room: roomId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setAudience(o.audience ?? 'rtgw')
    .setIssuedAt(iat)
    .setExpirationTime(iat + (o.ttlS ?? 900))
    .sign(new TextEncoder().encode(secret));
}
