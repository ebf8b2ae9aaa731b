/** `rtgw scenario` and `rtgw bots` as QA and CI run them. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { joinAs } from '../helpers/ws-client.js';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

afterEach(closeTestGateways);

describe('rtgw scenario', () => {
  it('list names every scenario with a description', async () => {
    const { code, stdout } = await run(['scenario', 'list']);
    expect(code).toBe(0);
    for (const name of ['two-users', 'rate-limit', 'chat-limits', 'block', 'reconnect', 'token-refresh', 'auth-reject', 'sim-fallback', 'multi-node', 'server-restart', 'redis-restart']) {
      expect(stdout).toMatch(new RegExp(`^${name} +\\S`, 'm'));
    }
  });

  it('runs scenarios, prints a line per step with timings and a summary, and writes JSON and JUnit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtgw-scenario-'));
    const { code, stdout } = await run(['scenario', 'sim-fallback', 'two-users', '--json', join(dir, 'r.json'), '--junit', join(dir, 'r.xml')]);
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/^ {2}✓ bob receives alice's transforms in order: \d+ transforms$/m);
    expect(stdout).toMatch(/^PASS two-users \(\d+\.\d s\)$/m);
    expect(stdout).toMatch(/^2 passed, 0 failed$/m);
    expect(stdout).not.toContain('\x1b['); // no colour without a TTY
    const json = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    expect(json.passed).toBe(true);
    expect(json.scenarios.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['sim-fallback:passed', 'two-users:passed']);
    const xml = await readFile(join(dir, 'r.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml).toContain('name="two-users"');
    expect(xml).not.toContain('<failure');
  });

  it('a broken gateway fails the scenario: exit 1 and a line naming the assertion', async () => {
    const { code, stdout } = await run(['scenario', 'chat-limits'], { RTGW_FAULTS: 'no-chat-limits' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ {2}✗ 241 characters are rejected too_long/m);
    expect(stdout).toMatch(/^FAIL chat-limits: 241 characters are rejected too_long/m);
    expect(stdout).toMatch(/^0 passed, 1 failed$/m);
  });

  it('against --url, runs what it can and skips what needs its own gateway', async () => {
    const gw = await startTestGateway({ port: 0 });
    const { code, stdout } = await run(['scenario', 'two-users', 'multi-node', '--url', gw.url]);
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/^PASS two-users/m);
    expect(stdout).toMatch(/^SKIP multi-node: needs its own gateway: starts two nodes and kills one/m);
  });

  it.each([
    [['scenario', 'nope'], /^rtgw: unknown scenario "nope"; choose from: all, two-users, /],
    [['scenario', 'two-users', '--url', 'http://127.0.0.1:65534'], /^rtgw: cannot reach the gateway at http:\/\/127\.0\.0\.1:65534: /],
    [['scenario', 'two-users', '--url', 'ftp://x'], /--url.*http\(s\) URL/],
  ])('%j: one clear line, exit 2', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });
});

describe('rtgw bots', () => {
  it('runs a swarm that walks and chats, prints status lines, and stops at --duration leaving the room', async () => {
    const gw = await startTestGateway();
    const { client: watcher } = await joinAs(gw.url, 'swarm', 'watcher');
    const { code, stdout } = await run(['bots', '--url', gw.url, '--room', 'swarm', '--count', '3', '--rate', '20', '--chat-every', '1', '--duration', '4']);
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/3 bots joined room swarm/);
    expect(stdout).toMatch(/connected 3\/3 {2}reconnects 0 {2}kills 0 {2}sent [1-9]\d*\/s {2}received [1-9]\d*\/s/);
    expect(stdout).toMatch(/^\d\d:\d\d:\d\d stopped: 3 bots/m);
    expect(watcher.all('member_joined').map((m) => m.member.displayName).sort()).toEqual(['Bot Ada', 'Bot Bashir', 'Bot Chen']);
    const moves = watcher.all('avatar_transform_broadcast').flatMap((m) => m.transforms);
    expect(new Set(moves.map((t) => t.userId))).toEqual(new Set(['bot-1', 'bot-2', 'bot-3']));
    expect(watcher.all('chat_broadcast').length).toBeGreaterThan(0);
    expect(watcher.all('member_left').map((m) => `${m.userId}:${m.reason}`).sort()).toEqual(['bot-1:left', 'bot-2:left', 'bot-3:left']);
  }, 30_000);

  it('--kill-every drops bots\' sockets and they reconnect', async () => {
    const gw = await startTestGateway();
    const { code, stdout } = await run(['bots', '--url', gw.url, '--count', '4', '--kill-every', '0.5', '--duration', '4', '--chat-every', '0']);
    expect(code, stdout).toBe(0);
    const stopped = /stopped: 4 bots, (\d+) reconnects, (\d+) kills/.exec(stdout);
    expect(Number(stopped?.[2])).toBeGreaterThanOrEqual(4);
    expect(Number(stopped?.[1])).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('refuses bad values and unreachable gateways with one line and exit 2', async () => {
    expect(await run(['bots', '--url', 'http://127.0.0.1:65534'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^rtgw: cannot reach the gateway/) });
    expect(await run(['bots', '--url', 'http://x', '--mobile-ratio', '2'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--mobile-ratio.*from 0 to 1/) });
  });
});
