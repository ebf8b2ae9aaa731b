/** The rtgw command line, run as a user runs it: `node bin/rtgw.js …` (built by `npm test`'s pretest). */
import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { TEST_SECRET, closeTestGateways, spawnGateway, startTestGateway } from './helpers/gateway.js';
import { redisUrl, uniquePrefix } from './helpers/redis.js';
import { RedisStore } from '../gateway/store/redis.js';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

afterEach(closeTestGateways);

describe('rtgw', () => {
  it('--version prints the version; --help lists commands with examples', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['serve', 'token', 'block', 'unblock']) expect(help.stdout).toContain(cmd);
    expect(help.stdout).toContain('Examples:');
    for (const cmd of ['serve', 'token', 'block']) expect((await run([cmd, '--help'])).stdout).toContain('Example');
  });

  it.each([
    [['serve', '--port', 'abc'], /--port.*whole number/],
    [['serve', '--redis', 'http://x'], /--redis.*Redis URL/],
    [['serve', '--max-room-size', '0'], /--max-room-size/],
    [['serve', '--bogus'], /unknown option '--bogus'/],
    [['nonsense'], /unknown command 'nonsense'/],
    [['token', '--room', 'lobby'], /--user/],
    [['block', 'a'], /missing required argument/],
  ])('%j fails with one clear line and exit 2', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('serve: a bad environment value stops start-up naming the variable', async () => {
    const { code, stderr } = await run(['serve'], { RTGW_MAX_ROOM_SIZE: 'lots' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^rtgw: invalid --max-room-size \/ RTGW_MAX_ROOM_SIZE \("lots"\)/);
  });

  it('serve: a port in use is one line and exit 1', async () => {
    const gw = await startTestGateway();
    const { code, stderr } = await run(['serve', '--port', String(gw.port), '--host', '127.0.0.1']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`rtgw: port ${gw.port} on 127.0.0.1 is already in use (try --port)`);
  });

  it('serve prints its URL and store, and --no-dev-issuer turns POST /rooms/join off', async () => {
    const p = await spawnGateway(['--port', '0', '--no-dev-issuer']);
    try {
      expect(p.output.join('\n')).toMatch(/store: in-memory/);
      expect((await fetch(`${p.url}/rooms/join`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });

  it('token prints a token the gateway accepts, with the claims asked for', async () => {
    const { code, stdout } = await run(['token', '--user', 'alice', '--room', 'lobby', '--ttl', '60', '--device', 'mobile', '--name', 'Alice'], { RTGW_JWT_SECRET: TEST_SECRET });
    expect(code).toBe(0);
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode(TEST_SECRET), { audience: 'rtgw' });
    expect(payload).toMatchObject({ sub: 'alice', room: 'lobby', device: 'mobile', name: 'Alice' });
    expect(payload.exp! - payload.iat!).toBe(60);
    const noSecret = await run(['token', '--user', 'a', '--room', 'r'], { RTGW_JWT_SECRET: '' });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/needs the gateway's secret/);
  });

  it('block/unblock through a running gateway (--url) and directly in Redis (--redis)', async () => {
    const gw = await startTestGateway({ adminToken: 'cli-admin-token' });
    const blocked = await run(['block', 'alice', 'bob', '--url', gw.url, '--admin-token', 'cli-admin-token']);
    expect(blocked).toMatchObject({ code: 0, stdout: 'alice blocks: bob\n' });
    expect(await gw.store.getBlocked('alice')).toEqual(['bob']);
    const wrong = await run(['block', 'alice', 'bob', '--url', gw.url, '--admin-token', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/answered 401: the admin token is wrong/);
    expect((await run(['unblock', 'alice', 'bob', '--url', gw.url], { RTGW_ADMIN_TOKEN: 'cli-admin-token' })).stdout).toBe('alice blocks: (nobody)\n');

    const prefix = uniquePrefix('cli-block');
    expect((await run(['block', 'carol', 'dave', '--redis', redisUrl(), '--key-prefix', prefix])).stdout).toBe('carol blocks: dave\n');
    const store = new RedisStore({ url: redisUrl(), keyPrefix: prefix });
    const noop = () => {};
    await store.start({ onRoomEvent: noop, onBlocksChanged: noop, onReconnected: noop, onDisconnected: noop });
    expect(await store.getBlocked('carol')).toEqual(['dave']);
    await store.close();

    const unreachable = await run(['block', 'a', 'b', '--url', 'http://127.0.0.1:9', '--admin-token', 'x']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^rtgw: cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
