/**
 * Token verification (and the development issuer) with jose.
 * HS256 with a shared secret by default; ES256 / EdDSA / RS256 from a PEM public key or a JWKS URL
 * when only the rooms service holds the private key. `alg: none` and every algorithm not configured
 * are refused by jose's allowlist. Clock skew tolerance: config.clockSkewS (at most 5 s).
 */
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AuthErrorCode, TokenClaimsSchema, cleanDisplayName, type Device, type TokenClaims } from '../protocol/index.js';
import { ConfigError, type GatewayConfig } from './config.js';

/**
 * The gateway could not check the token (its JWKS endpoint is unreachable or answers garbage).
 * That is the gateway's fault, not the token's: the socket closes with 1013 so clients retry.
 */
export class VerifierUnavailable extends Error {
  override name = 'VerifierUnavailable';
}

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A verified token: its claims with defaults applied. */
export interface Identity {
  userId: string;
  roomId: string;
  displayName: string;
  device: Device;
  /** Expiry in ms since the epoch (the `exp` claim). */
  expiresAt: number;
}

type VerifyKey = CryptoKey | KeyObject | JWTVerifyGetKey;

export class TokenVerifier {
  private constructor(
    private readonly key: VerifyKey,
    private readonly algorithms: string[],
    private readonly audience: string,
    private readonly issuer: string | undefined,
    private readonly skewS: number,
    private readonly maxTokenAgeS: number,
    /** During a key rotation: the previous HS256 secret's verifier, tried when the signature does not match this one. */
    private readonly previous?: TokenVerifier,
  ) {}

  static async fromConfig(config: GatewayConfig): Promise<TokenVerifier> {
    const { jwtAudience: aud, jwtIssuer: iss } = config;
    const skew = TokenVerifier.faultSkew(config);
    const age = config.maxTokenAgeS;
    if (config.jwksUrl) {
      return new TokenVerifier(createRemoteJWKSet(new URL(config.jwksUrl)), ['ES256', 'EdDSA', 'RS256'], aud, iss, skew, age);
    }
    if (config.jwtPublicKey) {
      const pem = await readFile(config.jwtPublicKey, 'utf8').catch((e: Error) => {
        throw new ConfigError(`cannot read --jwt-public-key ${config.jwtPublicKey}: ${e.message}`);
      });
      let key: KeyObject;
      try {
        key = createPublicKey(pem);
      } catch {
        throw new ConfigError(`--jwt-public-key ${config.jwtPublicKey} is not a PEM public key`);
      }
      return new TokenVerifier(key, [algorithmFor(key, config.jwtPublicKey)], aud, iss, skew, age);
    }
    const previous = config.jwtSecretPrevious ? new TokenVerifier(await hmacKey(config.jwtSecretPrevious), ['HS256'], aud, iss, skew, age) : undefined;
    return new TokenVerifier(await hmacKey(config.jwtSecret ?? ''), ['HS256'], aud, iss, skew, age, previous);
  }

  /** Fault `accept-expired`: tolerate any expiry (scenario self-tests only). */
  static faultSkew(config: GatewayConfig): number {
    return config.faults.includes('accept-expired') ? 10 * 365 * 86_400 : config.clockSkewS;
  }

  /** Verify a compact JWT; throws AuthError with the contract's code. */
  async verify(token: string | undefined): Promise<Identity> {
    if (!token) throw new AuthError(AuthErrorCode.TOKEN_MISSING, 'join_room needs a token');
    let payload: unknown;
    try {
      const verified = await jwtVerify(token, this.key as CryptoKey, {
        algorithms: this.algorithms,
        audience: this.audience,
        issuer: this.issuer,
        clockTolerance: this.skewS,
        requiredClaims: ['sub', 'exp', 'iat'],
        // Also refuses an `iat` in the future beyond the skew (a token minted by a broken clock).
        maxTokenAge: this.maxTokenAgeS,
      });
      payload = verified.payload;
    } catch (e) {
      if (this.previous && e instanceof errors.JWSSignatureVerificationFailed) return this.previous.verify(token);
      if (isInfrastructureFailure(e)) throw new VerifierUnavailable(`cannot check tokens now: ${e instanceof Error ? e.message : String(e)}`);
      if (e instanceof errors.JWTExpired) throw new AuthError(AuthErrorCode.TOKEN_EXPIRED, 'the token has expired');
      const reason = e instanceof errors.JOSEError ? e.message : 'malformed token';
      throw new AuthError(AuthErrorCode.TOKEN_INVALID, `the token was refused (${reason})`);
    }
    const claims = TokenClaimsSchema.safeParse(payload);
    if (!claims.success) {
      const field = String(claims.error.issues[0]?.path[0] ?? 'claims');
      throw new AuthError(AuthErrorCode.TOKEN_INVALID, `the token's ${field} claim is missing or malformed`);
    }
    return identityOf(claims.data);
  }
}

/**
 * Failures of the key source rather than of the token: fetching the JWKS failed or timed out, or it
 * answered something that is not a key set. jose raises a plain JOSEError for a non-200 answer and
 * a fetch TypeError when the host is unreachable.
 */
function isInfrastructureFailure(e: unknown): boolean {
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return true;
  if (!(e instanceof errors.JOSEError)) return true;
  return e.constructor === errors.JOSEError;
}

function identityOf(c: TokenClaims): Identity {
  return {
    userId: c.sub,
    roomId: c.room,
    // Shown to every member: no control or bidi-override characters (protocol/text.ts); `sub` if none is left.
    displayName: cleanDisplayName(c.name, c.sub),
    device: c.device ?? 'desktop',
    expiresAt: c.exp * 1000,
  };
}

function algorithmFor(key: KeyObject, file: string): string {
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new ConfigError(`--jwt-public-key ${file}: only P-256 EC keys (ES256) are supported`);
      }
      return 'ES256';
    case 'ed25519':
      return 'EdDSA';
    case 'rsa':
      return 'RS256';
    default:
      throw new ConfigError(`--jwt-public-key ${file}: unsupported key type ${key.asymmetricKeyType}`);
  }
}

export interface IssueRequest {
  userId: string;
  roomId: string;
  displayName?: string | undefined;
  device?: Device | undefined;
  ttlSeconds: number;
}

/**
 * An HS256 secret imported into WebCrypto once: jose uses a CryptoKey as it is, where it imports
 * raw bytes (or a secret KeyObject's export) again on every sign and verify, and a storm of 2,000
 * joins is 2,000 imports.
 */
function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** Signs HS256 realtime tokens: the development issuer and `rtgw token`. */
export class TokenIssuer {
  private readonly key: Promise<CryptoKey>;

  constructor(
    secret: string,
    private readonly audience: string,
    private readonly issuer?: string,
  ) {
    this.key = hmacKey(secret);
    this.key.catch(() => undefined); // a failed import is reported by issue(), which awaits it
  }

  async issue(req: IssueRequest, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(now / 1000);
    const exp = iat + req.ttlSeconds;
    const claims: Record<string, unknown> = { room: req.roomId, device: req.device ?? 'desktop' };
    if (req.displayName) claims.name = req.displayName;
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(req.userId)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID());
    if (this.issuer) jwt = jwt.setIssuer(this.issuer);
    return { token: await jwt.sign(await this.key), expiresAt: exp * 1000 };
  }
}
