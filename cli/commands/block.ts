import type { Command } from 'commander';
import { ID_PATTERN } from '../../protocol/codes.js';
import { CliError } from '../errors.js';
import { redisClusterOption, redisUrlOption, urlOption } from '../options.js';

interface BlockOptions {
  redis?: string;
  redisCluster?: string;
  url?: string;
  adminToken?: string;
  keyPrefix: string;
}

export function registerBlock(program: Command): void {
  for (const blocked of [true, false]) {
    const name = blocked ? 'block' : 'unblock';
    program
      .command(`${name} <userId> <blockedUserId>`)
      .description(blocked ? 'userId stops receiving anything blockedUserId originates' : 'undo a block')
      .option('--redis <url>', 'change it in this Redis (any node\'s store) [env REDIS_URL]', redisUrlOption)
      .option('--redis-cluster <nodes>', 'or in this Redis Cluster: seed nodes host:port,host:port [env REDIS_CLUSTER_NODES]', redisClusterOption)
      .option('--url <url>', 'or through a running gateway\'s admin API (in-memory store)', urlOption)
      .option('--admin-token <t>', 'admin token for --url [env RTGW_ADMIN_TOKEN]')
      .option('--key-prefix <p>', 'Redis key prefix [env RTGW_KEY_PREFIX]', process.env.RTGW_KEY_PREFIX ?? 'rtgw:')
      .addHelpText('after', `\nExamples:\n  $ rtgw ${name} alice bob --redis redis://127.0.0.1:6379\n  $ rtgw ${name} alice bob --redis-cluster 10.0.0.1:7000,10.0.0.2:7000\n  $ rtgw ${name} alice bob --url http://localhost:8080 --admin-token "$RTGW_ADMIN_TOKEN"`)
      .action(async (userId: string, blockedUserId: string, opts: BlockOptions) => {
        for (const id of [userId, blockedUserId]) {
          if (!ID_PATTERN.test(id)) throw new CliError(`invalid user id "${id}": 1..64 characters of [A-Za-z0-9_.:-]`);
        }
        if (opts.redis && opts.redisCluster) throw new CliError('give only one of --redis (one Redis) and --redis-cluster (a Redis Cluster)');
        const given = opts.redis ?? opts.redisCluster;
        const redis = opts.redis ?? (given || opts.url ? undefined : process.env.REDIS_URL);
        const cluster = opts.redisCluster ?? (given || opts.url || redis ? undefined : process.env.REDIS_CLUSTER_NODES);
        if (!redis && !cluster && !opts.url) throw new CliError(`rtgw ${name} needs --redis URL, --redis-cluster host:port,… or --url of a running gateway`);
        const list =
          redis || cluster
            ? await viaRedis(redis ? { url: redis } : { clusterNodes: cluster!.split(',') }, opts.keyPrefix, userId, blockedUserId, blocked)
            : await viaHttp(opts.url!, opts.adminToken ?? process.env.RTGW_ADMIN_TOKEN, userId, blockedUserId, blocked);
        process.stdout.write(`${userId} blocks: ${list.length ? list.join(', ') : '(nobody)'}\n`);
      });
  }
}

async function viaRedis(
  where: { url: string } | { clusterNodes: string[] },
  keyPrefix: string,
  userId: string,
  blockedUserId: string,
  blocked: boolean,
): Promise<string[]> {
  const { RedisStore } = await import('../../gateway/store/redis.js');
  let store: InstanceType<typeof RedisStore>;
  try {
    store = new RedisStore({ ...where, keyPrefix });
  } catch (err) {
    throw new CliError((err as Error).message.replace(/^RedisStore: /, ''));
  }
  const noop = () => {};
  try {
    await store.start({ onRoomEvent: noop, onBlocksChanged: noop, onReconnected: noop, onDisconnected: noop });
  } catch (err) {
    await store.close();
    throw new CliError(`cannot reach ${store.where}: ${(err as Error).message}`, 1);
  }
  try {
    await store.setBlocked(userId, blockedUserId, blocked);
    return await store.getBlocked(userId);
  } finally {
    await store.close();
  }
}

async function viaHttp(base: string, adminToken: string | undefined, userId: string, blockedUserId: string, blocked: boolean): Promise<string[]> {
  if (!adminToken) throw new CliError('--url needs the gateway\'s admin token: --admin-token or RTGW_ADMIN_TOKEN (rtgw serve prints it)');
  let res: Response;
  try {
    res = await fetch(`${base}/admin/blocks`, {
      method: blocked ? 'PUT' : 'DELETE',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId, blockedUserId }),
    });
  } catch (err) {
    throw new CliError(`cannot reach ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, 1);
  }
  const body = (await res.json().catch(() => ({}))) as { blocked?: string[]; error?: { message?: string } };
  if (!res.ok) throw new CliError(`${base} answered ${res.status}: ${body.error?.message ?? res.statusText}`, 1);
  return body.blocked ?? [];
}
