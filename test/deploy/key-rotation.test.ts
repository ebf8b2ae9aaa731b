/**
 * Key rotation with two HS256 secrets at once (docs/operations.md): during a rotation every node
 * accepts tokens signed with the new secret and with the previous one, and signs only with the new.
 */
import { describe, expect, it } from 'vitest';
import { TokenIssuer, TokenVerifier } from '../../gateway/auth.js';
import { ConfigError, resolveConfig } from '../../gateway/config.js';
import { runCli } from '../helpers/cli.js';

const NEW = 'the-new-secret-of-this-rotation';
const OLD = 'the-old-secret-being-retired';
const OTHER = 'a-secret-nobody-configured';

const sign = (secret: string) => new TokenIssuer(secret, 'rtgw').issue({ userId: 'alice', roomId: 'lobby', ttlSeconds: 60 }).then((t) => t.token);

describe('key rotation', () => {
  it('with --jwt-secret-previous, tokens of the new and of the previous secret are accepted, others refused', async () => {
    const verifier = await TokenVerifier.fromConfig(resolveConfig({ jwtSecret: NEW, jwtSecretPrevious: OLD }));
    expect((await verifier.verify(await sign(NEW))).userId).toBe('alice');
    expect((await verifier.verify(await sign(OLD))).userId).toBe('alice');
    await expect(verifier.verify(await sign(OTHER))).rejects.toMatchObject({ code: 'token_invalid' });
  });

  it('without it, the previous secret is refused (the rotation is over)', async () => {
    const verifier = await TokenVerifier.fromConfig(resolveConfig({ jwtSecret: NEW }));
    await expect(verifier.verify(await sign(OLD))).rejects.toMatchObject({ code: 'token_invalid' });
  });

  it('a previous secret without a current one is a configuration error naming the flag', () => {
    expect(() => resolveConfig({ jwtSecretPrevious: OLD, devIssuer: false, jwksUrl: 'https://issuer.example/jwks' })).toThrow(ConfigError);
    expect(() => resolveConfig({ jwtSecretPrevious: OLD, devIssuer: false, jwksUrl: 'https://issuer.example/jwks' })).toThrow(/--jwt-secret-previous \/ RTGW_JWT_SECRET_PREVIOUS needs the current --jwt-secret/);
  });

  it('rtgw serve reads RTGW_JWT_SECRET_PREVIOUS and checks it like the secret', async () => {
    const { code, stderr } = await runCli(['serve', '--port', '0'], { RTGW_JWT_SECRET: NEW, RTGW_JWT_SECRET_PREVIOUS: 'short' });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('rtgw: invalid --jwt-secret-previous / RTGW_JWT_SECRET_PREVIOUS ("short"): must be at least 16 characters');
  });
});
