/**
 * Gateway configuration: one typed object built from flags, then environment, then defaults,
 * validated once with zod. A bad value stops start-up with one line naming the flag or variable.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { Limits } from '../protocol/index.js';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])]).transform(
  (v) => v === true || v === 'true' || v === '1' || v === 'yes' || v === 'on',
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A per-socket budget written `burst/everyMs`: `burst` at once, then one every `everyMs`. */
const budget = z
  .string()
  .regex(/^\d{1,6}\/\d{1,7}$/, 'must be burst/everyMs, like 5/2000')
  .transform((v) => {
    const [burst, everyMs] = v.split('/').map(Number) as [number, number];
    return { burst, everyMs };
  })
  .refine((b) => b.burst >= 1 && b.everyMs >= 1, 'burst and everyMs must be at least 1');

export const GatewayConfigSchema = z.object({
  /** TCP port; 0 picks a free one. */
  port: int(0, 65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  /** Redis URL; unset means the embedded in-memory store. */
  redisUrl: z.string().url().optional(),
  /** Redis Cluster seed nodes, `host:port,host:port` (the client discovers the rest); not with `redisUrl`. */
  redisClusterNodes: z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (typeof v === 'string' ? v.split(',').map((n) => n.trim()).filter(Boolean) : v))
    .pipe(z.array(z.string().regex(/^(\[[^\]]+\]|[^\s:,[\]]+):\d{1,5}$/, 'must be host:port,host:port')).min(1, 'must name at least one host:port'))
    .optional(),
  /** Prefix of every Redis key and channel. */
  keyPrefix: z.string().min(1).max(64).default('rtgw:'),
  /** This node's id (logs, presence leases). */
  nodeId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional(),
  /** HS256 shared secret (at least 32 bytes is wise). */
  jwtSecret: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Key rotation: the previous HS256 secret, still accepted (never used to sign) until its tokens have expired. */
  jwtSecretPrevious: z.string().min(16, 'must be at least 16 characters').optional(),
  /** PEM file holding an SPKI public key (ES256 / EdDSA / RS256). */
  jwtPublicKey: z.string().optional(),
  /** JWKS URL serving the issuer's public keys. */
  jwksUrl: z.string().url().optional(),
  jwtAudience: z.string().min(1).default('rtgw'),
  jwtIssuer: z.string().min(1).optional(),
  /** Development issuer `POST /rooms/join`. Off in production. */
  devIssuer: bool.default(true),
  /** Lifetime of tokens the development issuer mints. */
  tokenTtlSeconds: int(1, 86_400).default(900),
  maxRoomSize: int(1, 10_000).default(50),
  rateLimitDebug: bool.default(false),
  /** Presence grace period after a socket goes away without `leave_room`. */
  graceMs: int(0, 600_000).default(Limits.PRESENCE_GRACE_MS),
  /** WebSocket ping interval; a socket missing two pings is terminated. */
  pingIntervalMs: int(100, 600_000).default(15_000),
  /** Time a new socket has to send `join_room` (the contract says 5 s; lower only in tests). */
  authTimeoutMs: int(50, 60_000).default(Limits.AUTH_TIMEOUT_MS),
  /** Clock skew tolerated on token times, in seconds (the contract allows at most 5). */
  clockSkewS: int(0, Limits.CLOCK_SKEW_S).default(Limits.CLOCK_SKEW_S),
  /** How often coalesced transforms are flushed to room members and to the store. */
  flushIntervalMs: int(5, 1_000).default(50),
  /** Node lease renewal; a node silent for `leaseMs` is presumed dead and its members are removed. */
  heartbeatMs: int(100, 60_000).default(2_000),
  leaseMs: int(500, 120_000).default(8_000),
  /** Bearer token for the admin routes (`/admin/*`); generated in development when unset. */
  adminToken: z.string().min(8).optional(),
  /** Abuse threshold: bad messages per 10 s before close 4004. */
  maxBadMessages: int(1, 10_000).default(10),
  /**
   * Transform flood (close 4008): more than this many times the device's limit arriving in each
   * of `transformAbuseSeconds` consecutive seconds. Below it, extra transforms are only superseded.
   */
  transformAbuseFactor: z.coerce.number().min(1).max(1_000).default(3),
  transformAbuseSeconds: int(1, 600).default(10),
  /** Per-socket request budgets, checked before any store call (protocol §2). */
  joinBudget: budget.default({ burst: 5, everyMs: 2000 }),
  refreshBudget: budget.default({ burst: 5, everyMs: 1000 }),
  pingBudget: budget.default({ burst: 20, everyMs: 100 }),
  /** Requests refused as over budget (chat included) within 10 s before close 4008. */
  maxOverBudget: int(1, 100_000).default(20),
  /**
   * Deliberate misbehaviour, for proving that acceptance scenarios catch it (`RTGW_FAULTS`, comma
   * separated; never set in production). Each fault switches one guarantee off.
   */
  faults: z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (typeof v === 'string' ? v.split(',').map((f) => f.trim()).filter(Boolean) : v))
    .pipe(z.array(z.enum(['no-rate-limit', 'no-chat-limits', 'ignore-blocklist', 'ignore-refresh', 'accept-expired', 'no-resync', 'lose-chat-history', 'no-fencing', 'no-chat-dedupe', 'no-budgets', 'no-outbound-cap', 'ws-auto-pong', 'slow-join'])))
    .default([]),
  /**
   * Test only (`RTGW_TEST_CLOCK_OFFSET_MS`): shift this node's wall clock by this many ms, to show
   * that nothing several nodes compare depends on a node's own clock. Refused in production.
   */
  testClockOffsetMs: z.coerce.number().int().min(-86_400_000).max(86_400_000).default(0),
  /** Redis command timeout: a store call that takes longer fails (and is retried by its owner). */
  storeTimeoutMs: int(100, 60_000).default(2_000),
  /** Oldest token accepted, by its `iat` (seconds); a token issued in the future beyond the skew is refused. */
  maxTokenAgeS: int(1, 30 * 86_400).default(86_400),
  /**
   * Bytes a socket may have queued unsent (ws `bufferedAmount`) before it is closed 4010 (slow
   * consumer). Above 256 KiB transform frames are already skipped, so the cap is at least twice that.
   */
  maxOutboundBytes: int(512 * 1024, 1024 ** 3).default(1024 * 1024),
  /** Open sockets on this node; beyond it upgrades are refused (503 + Retry-After). */
  maxConnections: int(1, 10_000_000).default(10_000),
  /** Open sockets per client address (an IPv6 client's /64). */
  maxConnectionsPerIp: int(1, 10_000_000).default(100),
  /** Open sockets that have not joined a room yet (each has at most the 5 s auth timeout to do so). */
  maxUnauthenticated: int(1, 10_000_000).default(1_000),
  /**
   * Addresses of the load balancers in front (comma separated): for a connection from one of them,
   * the client's address is the last `X-Forwarded-For` entry that is not one of them.
   */
  trustedProxies: z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (typeof v === 'string' ? v.split(',').map((a) => a.trim()).filter(Boolean) : v))
    .pipe(z.array(z.string().refine((a) => isIP(a) !== 0, 'expected IP addresses, comma separated')))
    .default([]),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  production: bool.default(false),
});

export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;
export type Fault = z.output<typeof GatewayConfigSchema>['faults'][number];
export type GatewayConfig = z.output<typeof GatewayConfigSchema> & {
  nodeId: string;
  /** True when the secret was generated for this process (development only). */
  jwtSecretGenerated: boolean;
  adminTokenGenerated: boolean;
};

/** Where each option comes from, so errors can name what the user typed. */
export const configSources: Record<keyof GatewayConfigInput, { flag?: string; env?: string }> = {
  port: { flag: '--port', env: 'RTGW_PORT' },
  host: { flag: '--host', env: 'RTGW_HOST' },
  redisUrl: { flag: '--redis', env: 'REDIS_URL' },
  redisClusterNodes: { flag: '--redis-cluster', env: 'REDIS_CLUSTER_NODES' },
  keyPrefix: { flag: '--key-prefix', env: 'RTGW_KEY_PREFIX' },
  nodeId: { flag: '--node-id', env: 'RTGW_NODE_ID' },
  jwtSecret: { flag: '--jwt-secret', env: 'RTGW_JWT_SECRET' },
  jwtSecretPrevious: { flag: '--jwt-secret-previous', env: 'RTGW_JWT_SECRET_PREVIOUS' },
  jwtPublicKey: { flag: '--jwt-public-key', env: 'RTGW_JWT_PUBLIC_KEY' },
  jwksUrl: { flag: '--jwks-url', env: 'RTGW_JWKS_URL' },
  jwtAudience: { flag: '--jwt-audience', env: 'RTGW_JWT_AUDIENCE' },
  jwtIssuer: { flag: '--jwt-issuer', env: 'RTGW_JWT_ISSUER' },
  devIssuer: { flag: '--no-dev-issuer', env: 'RTGW_DEV_ISSUER' },
  tokenTtlSeconds: { flag: '--token-ttl', env: 'RTGW_TOKEN_TTL' },
  maxRoomSize: { flag: '--max-room-size', env: 'RTGW_MAX_ROOM_SIZE' },
  rateLimitDebug: { flag: '--rate-limit-debug', env: 'REALTIME_RATE_LIMIT_DEBUG' },
  graceMs: { flag: '--grace-ms', env: 'RTGW_GRACE_MS' },
  pingIntervalMs: { flag: '--ping-interval-ms', env: 'RTGW_PING_INTERVAL_MS' },
  authTimeoutMs: { env: 'RTGW_AUTH_TIMEOUT_MS' },
  clockSkewS: { env: 'RTGW_CLOCK_SKEW_S' },
  flushIntervalMs: { flag: '--flush-interval-ms', env: 'RTGW_FLUSH_INTERVAL_MS' },
  heartbeatMs: { flag: '--heartbeat-ms', env: 'RTGW_HEARTBEAT_MS' },
  leaseMs: { flag: '--lease-ms', env: 'RTGW_LEASE_MS' },
  adminToken: { flag: '--admin-token', env: 'RTGW_ADMIN_TOKEN' },
  maxBadMessages: { env: 'RTGW_MAX_BAD_MESSAGES' },
  transformAbuseFactor: { flag: '--transform-abuse-factor', env: 'RTGW_TRANSFORM_ABUSE_FACTOR' },
  transformAbuseSeconds: { flag: '--transform-abuse-seconds', env: 'RTGW_TRANSFORM_ABUSE_SECONDS' },
  joinBudget: { flag: '--join-budget', env: 'RTGW_JOIN_BUDGET' },
  refreshBudget: { flag: '--refresh-budget', env: 'RTGW_REFRESH_BUDGET' },
  pingBudget: { flag: '--ping-budget', env: 'RTGW_PING_BUDGET' },
  maxOverBudget: { flag: '--max-over-budget', env: 'RTGW_MAX_OVER_BUDGET' },
  faults: { env: 'RTGW_FAULTS' },
  testClockOffsetMs: { env: 'RTGW_TEST_CLOCK_OFFSET_MS' },
  storeTimeoutMs: { flag: '--store-timeout-ms', env: 'RTGW_STORE_TIMEOUT_MS' },
  maxTokenAgeS: { flag: '--max-token-age', env: 'RTGW_MAX_TOKEN_AGE' },
  maxOutboundBytes: { flag: '--max-outbound-bytes', env: 'RTGW_MAX_OUTBOUND_BYTES' },
  maxConnections: { flag: '--max-connections', env: 'RTGW_MAX_CONNECTIONS' },
  maxConnectionsPerIp: { flag: '--max-connections-per-ip', env: 'RTGW_MAX_CONNECTIONS_PER_IP' },
  maxUnauthenticated: { flag: '--max-unauthenticated', env: 'RTGW_MAX_UNAUTHENTICATED' },
  trustedProxies: { flag: '--trusted-proxies', env: 'RTGW_TRUSTED_PROXIES' },
  logLevel: { flag: '--log-level', env: 'RTGW_LOG_LEVEL' },
  production: { env: 'NODE_ENV=production' },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment values for each option, read once. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfigInput {
  const out: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(configSources)) {
    if (!source.env || source.env.includes('=')) continue;
    const value = env[source.env];
    if (value !== undefined && value !== '') out[key] = value;
  }
  if (env.NODE_ENV === 'production') out.production = true;
  return out as GatewayConfigInput;
}

/**
 * Build the config: `explicit` (flags or code) wins over `env`, which wins over defaults.
 * Throws ConfigError with one line naming the flag or variable at fault.
 */
export function resolveConfig(explicit: GatewayConfigInput = {}, env: GatewayConfigInput = {}): GatewayConfig {
  const defined = Object.fromEntries(Object.entries(explicit).filter(([, v]) => v !== undefined));
  const merged: Record<string, unknown> = { ...env, ...defined };
  // Production configuration turns the development issuer off unless explicitly asked for.
  if (merged.production === true && explicit.devIssuer === undefined) merged.devIssuer = false;
  const parsed = GatewayConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]) as keyof GatewayConfigInput;
    const source = configSources[key];
    const where = [source?.flag, source?.env].filter(Boolean).join(' / ') || key;
    throw new ConfigError(`invalid ${where} (${JSON.stringify(merged[key])}): ${issue.message}`);
  }
  const c = parsed.data;
  const keyOptions = [c.jwtSecret, c.jwtPublicKey, c.jwksUrl].filter(Boolean).length;
  if (keyOptions > 1) throw new ConfigError('give only one of --jwt-secret, --jwt-public-key, --jwks-url');
  if (c.redisUrl && c.redisClusterNodes) throw new ConfigError('give only one of --redis / REDIS_URL (one Redis) and --redis-cluster / REDIS_CLUSTER_NODES (a Redis Cluster)');
  if (c.jwtSecretPrevious && !c.jwtSecret) throw new ConfigError('--jwt-secret-previous / RTGW_JWT_SECRET_PREVIOUS needs the current --jwt-secret too');
  if (c.production && keyOptions === 0) {
    throw new ConfigError('production needs a verification key: --jwt-secret, --jwt-public-key or --jwks-url');
  }
  if (c.devIssuer && !c.jwtSecret && keyOptions > 0) {
    throw new ConfigError('the development issuer signs with HS256: it needs --jwt-secret, not a public key (or use --no-dev-issuer)');
  }
  if (c.production && c.faults.length > 0) throw new ConfigError('RTGW_FAULTS is for tests and cannot be used in production');
  if (c.production && c.testClockOffsetMs !== 0) throw new ConfigError('RTGW_TEST_CLOCK_OFFSET_MS is for tests and cannot be used in production');
  if (c.leaseMs <= c.heartbeatMs * 2) {
    throw new ConfigError(`invalid --lease-ms (${c.leaseMs}): must exceed twice --heartbeat-ms (${c.heartbeatMs})`);
  }
  const jwtSecretGenerated = keyOptions === 0;
  const adminTokenGenerated = !c.adminToken && !c.production;
  return {
    ...c,
    nodeId: c.nodeId ?? `${hostname().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`,
    jwtSecret: jwtSecretGenerated ? randomBytes(32).toString('base64url') : c.jwtSecret,
    adminToken: adminTokenGenerated ? randomBytes(18).toString('base64url') : c.adminToken,
    jwtSecretGenerated,
    adminTokenGenerated,
  };
}
