/**
 * `--redis-cluster` on the command line: one Redis and a Redis Cluster at once is a usage error
 * (one line, exit 2) wherever each comes from; a bad seed list names the flag. (A real cluster
 * behind the flag: test/store.cluster.test.ts and `rtgw scenario cluster-failover`.)
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../gateway/config.js';
import { runCli } from '../helpers/cli.js';

const BOTH = 'give only one of --redis / REDIS_URL (one Redis) and --redis-cluster / REDIS_CLUSTER_NODES (a Redis Cluster)';

describe('--redis-cluster', () => {
  it.each([
    ['both flags', ['serve', '--redis', 'redis://127.0.0.1:6379', '--redis-cluster', '127.0.0.1:7000'], {}],
    ['REDIS_URL and the flag', ['serve', '--redis-cluster', '127.0.0.1:7000'], { REDIS_URL: 'redis://127.0.0.1:6379' }],
    ['both variables', ['serve'], { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' }],
  ])('serve refuses one Redis and a cluster together (%s): one line, exit 2', async (_what, args, env) => {
    const { code, stderr } = await runCli(args, env);
    expect({ code, stderr }).toEqual({ code: 2, stderr: `rtgw: ${BOTH}\n` });
  });

  it('serve names the flag of a bad seed list, before starting anything', async () => {
    const { code, stderr } = await runCli(['serve', '--redis-cluster', '127.0.0.1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--redis-cluster <nodes>.*expected host:port,host:port \(Redis Cluster seed nodes\), not "127\.0\.0\.1"/);
    const env = await runCli(['serve'], { REDIS_CLUSTER_NODES: 'nope' });
    expect(env).toMatchObject({ code: 2, stderr: 'rtgw: invalid --redis-cluster / REDIS_CLUSTER_NODES ("nope"): must be host:port,host:port\n' });
  });

  it('block and unblock refuse both too, and name what they need', async () => {
    expect(await runCli(['block', 'a', 'b', '--redis', 'redis://127.0.0.1:1', '--redis-cluster', '127.0.0.1:1'])).toMatchObject({
      code: 2,
      stderr: 'rtgw: give only one of --redis (one Redis) and --redis-cluster (a Redis Cluster)\n',
    });
    expect(await runCli(['unblock', 'a', 'b'])).toMatchObject({ code: 2, stderr: 'rtgw: rtgw unblock needs --redis URL, --redis-cluster host:port,… or --url of a running gateway\n' });
  });

  it('the config splits the seed list and keeps it apart from redisUrl', () => {
    expect(resolveConfig({ redisClusterNodes: ' 10.0.0.1:7000, [::1]:7001 ' }).redisClusterNodes).toEqual(['10.0.0.1:7000', '[::1]:7001']);
    expect(resolveConfig({}).redisClusterNodes).toBeUndefined();
  });
});
