import type { Command } from 'commander';
import type { GatewayConfigInput } from '../../gateway/index.js';
import { CliError } from '../errors.js';
import { intOption, redisClusterOption, redisUrlOption } from '../options.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the gateway (in-memory store unless --redis / REDIS_URL or --redis-cluster / REDIS_CLUSTER_NODES is given)')
    .option('--port <n>', 'TCP port [env RTGW_PORT] (default 8080)', intOption(0, 65535))
    .option('--host <addr>', 'address to bind [env RTGW_HOST] (default 0.0.0.0)')
    .option('--redis <url>', 'Redis URL; several nodes on one Redis form a cluster [env REDIS_URL]', redisUrlOption)
    .option('--redis-cluster <nodes>', 'or a Redis Cluster: seed nodes host:port,host:port (rooms on sharded pub/sub) [env REDIS_CLUSTER_NODES]', redisClusterOption)
    .option('--key-prefix <p>', 'prefix of Redis keys and channels [env RTGW_KEY_PREFIX] (default rtgw:)')
    .option('--node-id <id>', 'this node\'s id [env RTGW_NODE_ID] (default host-pid-random)')
    .option('--jwt-secret <s>', 'HS256 secret shared with the token issuer [env RTGW_JWT_SECRET] (generated per process in development)')
    .option('--jwt-secret-previous <s>', 'key rotation: the previous HS256 secret, still accepted until its tokens expire [env RTGW_JWT_SECRET_PREVIOUS]')
    .option('--jwt-public-key <file>', 'PEM public key (ES256/EdDSA/RS256) [env RTGW_JWT_PUBLIC_KEY]')
    .option('--jwks-url <url>', 'JWKS URL of the token issuer [env RTGW_JWKS_URL]')
    .option('--jwt-audience <aud>', 'required aud claim [env RTGW_JWT_AUDIENCE] (default rtgw)')
    .option('--jwt-issuer <iss>', 'required iss claim [env RTGW_JWT_ISSUER]')
    .option('--no-dev-issuer', 'turn off the development token issuer POST /rooms/join [env RTGW_DEV_ISSUER=false; off with NODE_ENV=production]')
    .option('--token-ttl <s>', 'lifetime of development tokens in seconds [env RTGW_TOKEN_TTL] (default 900)', intOption(1, 86_400))
    .option('--max-room-size <n>', 'members per room [env RTGW_MAX_ROOM_SIZE] (default 50)', intOption(1, 10_000))
    .option('--max-connections <n>', 'open sockets on this node; more are refused 503 [env RTGW_MAX_CONNECTIONS] (default 10000)', intOption(1, 10_000_000))
    .option('--max-connections-per-ip <n>', 'open sockets per client address (IPv6: per /64) [env RTGW_MAX_CONNECTIONS_PER_IP] (default 100)', intOption(1, 10_000_000))
    .option('--max-unauthenticated <n>', 'open sockets that have not joined yet [env RTGW_MAX_UNAUTHENTICATED] (default 1000)', intOption(1, 10_000_000))
    .option('--max-outbound-bytes <n>', 'bytes queued unsent on a socket before it is closed 4010 [env RTGW_MAX_OUTBOUND_BYTES] (default 1048576)', intOption(512 * 1024, 1024 ** 3))
    .option('--trusted-proxies <addrs>', 'load balancer addresses whose X-Forwarded-For names the client, comma separated [env RTGW_TRUSTED_PROXIES]')
    .option('--rate-limit-debug', 'warn clients with rate_limited when transforms are dropped [env REALTIME_RATE_LIMIT_DEBUG]')
    .option('--grace-ms <ms>', 'presence grace period [env RTGW_GRACE_MS] (default 5000)', intOption(0, 600_000))
    .option('--ping-interval-ms <ms>', 'WebSocket ping interval [env RTGW_PING_INTERVAL_MS] (default 15000)', intOption(100, 600_000))
    .option('--flush-interval-ms <ms>', 'transform coalescing interval [env RTGW_FLUSH_INTERVAL_MS] (default 50)', intOption(5, 1000))
    .option('--heartbeat-ms <ms>', 'node lease renewal interval [env RTGW_HEARTBEAT_MS] (default 2000)', intOption(100, 60_000))
    .option('--lease-ms <ms>', 'a node silent this long is dead [env RTGW_LEASE_MS] (default 8000)', intOption(500, 120_000))
    .option('--transform-abuse-factor <x>', 'close 4008 a socket sending more than x times its transform limit… [env RTGW_TRANSFORM_ABUSE_FACTOR] (default 3)', Number)
    .option('--transform-abuse-seconds <s>', '…in each of this many consecutive seconds [env RTGW_TRANSFORM_ABUSE_SECONDS] (default 10)', intOption(1, 600))
    .option('--join-budget <burst/ms>', 'join_room per socket: burst, then one every ms [env RTGW_JOIN_BUDGET] (default 5/2000)')
    .option('--refresh-budget <burst/ms>', 'refresh_token per socket [env RTGW_REFRESH_BUDGET] (default 5/1000)')
    .option('--ping-budget <burst/ms>', 'ping messages per socket [env RTGW_PING_BUDGET] (default 20/100)')
    .option('--max-over-budget <n>', 'requests refused as over budget in 10 s before close 4008 [env RTGW_MAX_OVER_BUDGET] (default 20)', intOption(1, 100_000))
    .option('--store-timeout-ms <ms>', 'Redis command timeout; below the clients\' liveness budget [env RTGW_STORE_TIMEOUT_MS] (default 2000)', intOption(100, 60_000))
    .option('--max-token-age <s>', 'oldest token accepted, by its iat, in seconds [env RTGW_MAX_TOKEN_AGE] (default 86400)', intOption(1, 30 * 86_400))
    .option('--admin-token <t>', 'bearer token for /admin routes [env RTGW_ADMIN_TOKEN] (generated in development)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent [env RTGW_LOG_LEVEL] (default info)')
    .addHelpText('after', '\nExamples:\n  $ rtgw serve\n  $ rtgw serve --port 18080 --redis redis://127.0.0.1:6379 --jwt-secret "$SECRET"\n  $ rtgw serve --redis-cluster 10.0.0.1:7000,10.0.0.2:7000 --jwt-secret "$SECRET"\n  $ NODE_ENV=production RTGW_JWT_SECRET=… REDIS_URL=redis://redis:6379 rtgw serve')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.opts();
      // Only what was typed on the command line overrides the environment.
      const explicit: Record<string, unknown> = {};
      const renamed: Record<string, string> = { redis: 'redisUrl', redisCluster: 'redisClusterNodes', tokenTtl: 'tokenTtlSeconds', maxTokenAge: 'maxTokenAgeS' };
      for (const key of Object.keys(opts)) {
        if (cmd.getOptionValueSource(key) === 'cli') explicit[renamed[key] ?? key] = opts[key];
      }
      // The gateway (ws, ioredis, prom-client, pino, zod) loads only when it is started, not for --help.
      const [{ ConfigError, startGateway }, { builtWebDir, staticRoute }] = await Promise.all([import('../../gateway/index.js'), import('../../gateway/static.js')]);
      let gateway;
      try {
        gateway = await startGateway({ ...(explicit as GatewayConfigInput), useEnv: true });
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message);
        throw new CliError((err as Error).message, 1);
      }
      const { config } = gateway;
      // The demo page gets its tokens from the development issuer; without it there is nothing to demo.
      const webDir = config.devIssuer ? builtWebDir() : undefined;
      if (webDir) gateway.addRoute(staticRoute(webDir));
      const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host;
      const lines = [
        `rtgw listening on http://${shownHost}:${gateway.port} (WebSocket ws://${shownHost}:${gateway.port}/realtime)`,
        `store: ${storeLine(config)}  node: ${config.nodeId}`,
      ];
      if (config.devIssuer) lines.push(`development issuer on: POST http://${shownHost}:${gateway.port}/rooms/join`);
      if (config.devIssuer) lines.push(webDir ? `demo page: http://${shownHost}:${gateway.port}/` : 'demo page: not built (npm run build)');
      if (config.jwtSecretGenerated) lines.push('JWT secret generated for this process (set RTGW_JWT_SECRET to share one with other nodes or a rooms service)');
      if (config.adminTokenGenerated) lines.push(`admin token (generated): ${config.adminToken}`);
      process.stdout.write(lines.join('\n') + '\n');
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) process.exit(1); // a second Ctrl-C: do not wait
          stopping = true;
          gateway.log.info({ signal }, 'shutting down');
          gateway.close().then(resolve, (err: unknown) => {
            gateway.log.error({ err }, 'shutdown failed');
            process.exit(1);
          });
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
    });
}

function storeLine(config: { redisUrl?: string; redisClusterNodes?: string[]; keyPrefix: string }): string {
  if (config.redisClusterNodes) return `redis cluster ${config.redisClusterNodes.join(',')} (prefix ${config.keyPrefix})`;
  if (config.redisUrl) return `redis ${redactUrl(config.redisUrl)} (prefix ${config.keyPrefix})`;
  return 'in-memory (single node; use --redis or --redis-cluster for several)';
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
