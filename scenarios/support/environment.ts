/**
 * What a scenario runs against: gateway nodes (its own `rtgw serve` processes, or the one `--url`
 * names) and, when it needs one, Redis (`--redis`, or its own redis-server).
 */
import { randomBytes } from 'node:crypto';
import { spawnGateway, type GatewayProcess } from './gateway-process.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import type { ScenarioNeeds } from './scenario.js';

export interface EnvironmentOptions {
  /** A running gateway to test instead of starting nodes. */
  url?: string;
  /** A Redis to use instead of starting redis-server. */
  redisUrl?: string;
  /** Faults injected into the nodes the runner starts (scenario self-tests). */
  faults?: string[];
  /** More `rtgw serve` flags for the nodes the runner starts (a deliberately wrong configuration, say). */
  serveArgs?: string[];
  /** The external gateway's HS256 secret (scenarios that forge tokens need it). */
  jwtSecret?: string;
  /** The external gateway's admin token (scenarios that block users need it). */
  adminToken?: string;
}

export class Environment {
  private constructor(
    private readonly nodes: Array<GatewayProcess | { url: string }>,
    readonly redis: RedisServer | undefined,
    readonly redisUrl: string | undefined,
    readonly jwtSecret: string | undefined,
    readonly adminToken: string | undefined,
    readonly external: boolean,
  ) {}

  static async start(needs: ScenarioNeeds, options: EnvironmentOptions): Promise<Environment> {
    if (options.url) {
      return new Environment([{ url: options.url }], undefined, options.redisUrl, options.jwtSecret, options.adminToken, true);
    }
    let redis: RedisServer | undefined;
    let redisUrl: string | undefined;
    if (needs.redis) {
      if (options.redisUrl && !needs.ownRedis) redisUrl = options.redisUrl;
      else redisUrl = (redis = await startRedisServer()).url;
    }
    const jwtSecret = randomBytes(32).toString('base64url');
    const adminToken = randomBytes(18).toString('base64url');
    const keyPrefix = `scenario-${randomBytes(4).toString('hex')}:`;
    const args = ['--port', '0', ...(redisUrl ? ['--redis', redisUrl, '--key-prefix', keyPrefix] : []), ...(needs.serveArgs ?? []), ...(options.serveArgs ?? [])];
    const env: Record<string, string> = { RTGW_JWT_SECRET: jwtSecret, RTGW_ADMIN_TOKEN: adminToken, RTGW_LOG_LEVEL: 'warn' };
    const gatewayFaults = options.faults?.filter((f) => !f.startsWith('sim-')) ?? [];
    if (gatewayFaults.length) env.RTGW_FAULTS = gatewayFaults.join(',');
    const nodes: GatewayProcess[] = [];
    try {
      for (let i = 0; i < (needs.nodes ?? 1); i++) nodes.push(await spawnGateway({ args: [...args, '--node-id', `node-${i + 1}`], env }));
    } catch (err) {
      await Promise.allSettled(nodes.map((n) => n.kill()));
      await redis?.stop();
      throw err;
    }
    return new Environment(nodes, redis, redisUrl, jwtSecret, adminToken, false);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  nodeUrl(i = 0): string {
    const node = this.nodes[i];
    if (!node) throw new Error(`this scenario has ${this.nodes.length} gateway node(s); there is no node ${i}`);
    return node.url;
  }

  /** A node the runner started (kill, stop, restart). */
  process(i = 0): GatewayProcess {
    const node = this.nodes[i];
    if (!node || !('kill' in node)) throw new Error('this scenario needs its own gateway processes (it cannot run against --url)');
    return node;
  }

  /** Redis the runner started (restart). */
  ownRedis(): RedisServer {
    if (!this.redis) throw new Error('this scenario needs its own redis-server');
    return this.redis;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => ('kill' in n ? n.stop() : undefined)));
    await this.redis?.stop();
  }
}
