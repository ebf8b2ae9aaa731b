import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, resolveConfig } from '../../gateway/config.js';

describe('gateway configuration', () => {
  it('flags win over the environment, which wins over defaults', () => {
    const env = configFromEnv({ RTGW_PORT: '9000', RTGW_MAX_ROOM_SIZE: '7', REALTIME_RATE_LIMIT_DEBUG: 'true' });
    const c = resolveConfig({ port: 9100 }, env);
    expect(c).toMatchObject({ port: 9100, maxRoomSize: 7, rateLimitDebug: true, graceMs: 5000, flushIntervalMs: 50, host: '0.0.0.0' });
  });

  it('generates a JWT secret and an admin token in development only', () => {
    const dev = resolveConfig();
    expect(dev.jwtSecretGenerated).toBe(true);
    expect(dev.jwtSecret!.length).toBeGreaterThanOrEqual(32);
    expect(dev.adminTokenGenerated).toBe(true);
    const prod = resolveConfig({ jwtSecret: 's'.repeat(32) }, configFromEnv({ NODE_ENV: 'production' }));
    expect(prod).toMatchObject({ production: true, devIssuer: false, jwtSecretGenerated: false, adminTokenGenerated: false, adminToken: undefined });
  });

  it.each([
    [{ port: 70000 }, {}, /^invalid --port \/ RTGW_PORT \(70000\)/],
    [{}, { maxRoomSize: 'lots' }, /^invalid --max-room-size \/ RTGW_MAX_ROOM_SIZE \("lots"\)/],
    [{ jwtSecret: 'short' }, {}, /--jwt-secret.*at least 16/],
    [{ jwtSecret: 's'.repeat(20), jwksUrl: 'http://x/jwks' }, {}, /only one of --jwt-secret, --jwt-public-key, --jwks-url/],
    [{ jwtSecret: undefined, jwksUrl: 'http://x/jwks' }, {}, /development issuer signs with HS256/],
    [{ heartbeatMs: 5000, leaseMs: 8000 }, {}, /--lease-ms.*twice --heartbeat-ms/],
    [{}, { faults: 'ignore-blocklist,teleport' }, /^invalid RTGW_FAULTS/],
    [{ production: true, jwtSecret: 's'.repeat(20), faults: ['no-resync'] }, {}, /RTGW_FAULTS is for tests/],
    [{}, { maxOutboundBytes: '65536' }, /^invalid --max-outbound-bytes \/ RTGW_MAX_OUTBOUND_BYTES \("65536"\)/],
    [{ maxConnectionsPerIp: 0 }, {}, /^invalid --max-connections-per-ip \/ RTGW_MAX_CONNECTIONS_PER_IP \(0\)/],
    [{}, { trustedProxies: '10.0.0.10,haproxy' }, /^invalid --trusted-proxies \/ RTGW_TRUSTED_PROXIES .*expected IP addresses/],
  ])('refuses %j / env %j with one line naming the option', (explicit, env, message) => {
    expect(() => resolveConfig(explicit as never, env as never)).toThrow(ConfigError);
    expect(() => resolveConfig(explicit as never, env as never)).toThrow(message);
  });

  it('caps connections and outbound bytes by default, and reads them and the trusted proxies from the environment', () => {
    expect(resolveConfig()).toMatchObject({ maxConnections: 10_000, maxConnectionsPerIp: 100, maxUnauthenticated: 1000, maxOutboundBytes: 1024 * 1024, trustedProxies: [] });
    const env = configFromEnv({ RTGW_MAX_CONNECTIONS: '500', RTGW_MAX_CONNECTIONS_PER_IP: '5', RTGW_MAX_UNAUTHENTICATED: '50', RTGW_MAX_OUTBOUND_BYTES: '2097152', RTGW_TRUSTED_PROXIES: '10.0.0.10, ::1' });
    expect(resolveConfig({}, env)).toMatchObject({ maxConnections: 500, maxConnectionsPerIp: 5, maxUnauthenticated: 50, maxOutboundBytes: 2 * 1024 * 1024, trustedProxies: ['10.0.0.10', '::1'] });
  });

  it('reads faults from RTGW_FAULTS as a comma-separated list', () => {
    expect(resolveConfig({}, configFromEnv({ RTGW_FAULTS: 'ignore-blocklist, no-rate-limit' })).faults).toEqual(['ignore-blocklist', 'no-rate-limit']);
  });
});
