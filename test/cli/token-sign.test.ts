/**
 * `rtgw token` signs with node:crypto (cli/token-sign.ts) instead of the gateway's jose-based
 * TokenIssuer, to start fast. These tests hold the two together: the gateway's verifier accepts the
 * CLI's tokens, and the claims are TokenIssuer's, key for key.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenIssuer, TokenVerifier } from '../../gateway/auth.js';
import { resolveConfig } from '../../gateway/config.js';
import { signHs256Token } from '../../cli/token-sign.js';
import { runCli } from '../helpers/cli.js';

const SECRET = 'token-sign-test-secret-long-enough';

describe('rtgw token signing', () => {
  it('the gateway verifies a token from `rtgw token` with the identity asked for', async () => {
    const { code, stdout } = await runCli(['token', '--user', 'alice', '--room', 'lobby', '--device', 'mobile', '--name', 'Alice', '--ttl', '60', '--jwt-secret', SECRET]);
    expect(code).toBe(0);
    const verifier = await TokenVerifier.fromConfig(resolveConfig({ jwtSecret: SECRET }));
    const identity = await verifier.verify(stdout.trim());
    expect(identity).toMatchObject({ userId: 'alice', roomId: 'lobby', device: 'mobile', displayName: 'Alice' });
    expect(identity.expiresAt - Date.now()).toBeGreaterThan(55_000);
  });

  it('signs the same header and claims as TokenIssuer (apart from the random jti)', async () => {
    const now = 1_800_000_000_000;
    for (const req of [
      { userId: 'bob', roomId: 'r1', ttlSeconds: 30, device: 'desktop' as const },
      { userId: 'ada', roomId: 'r2', ttlSeconds: 900, device: 'mobile' as const, displayName: 'Ada' },
    ]) {
      for (const issuer of [undefined, 'rooms-service']) {
        const ours = signHs256Token(SECRET, { ...req, audience: 'rtgw', issuer }, now);
        const theirs = await new TokenIssuer(SECRET, 'rtgw', issuer).issue(req, now);
        expect(ours.expiresAt).toBe(theirs.expiresAt);
        expect(decodeProtectedHeader(ours.token)).toEqual(decodeProtectedHeader(theirs.token));
        const { jti: a, ...oursClaims } = decodeJwt(ours.token);
        const { jti: b, ...theirClaims } = decodeJwt(theirs.token);
        expect(oursClaims).toEqual(theirClaims);
        expect([typeof a, typeof b]).toEqual(['string', 'string']);
      }
    }
  });

  it('a token signed with another secret is refused by the gateway', async () => {
    const { token } = signHs256Token('some-other-secret-entirely', { userId: 'eve', roomId: 'lobby', device: 'desktop', ttlSeconds: 60, audience: 'rtgw' });
    const verifier = await TokenVerifier.fromConfig(resolveConfig({ jwtSecret: SECRET }));
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_invalid' });
  });
});
