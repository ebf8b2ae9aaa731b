/** `rtgw dash` end to end: a real gateway (port 0), SDK bots in a room, the dashboard and the command line. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../cli/dash/components/App.js';
import { HttpDashSource } from '../../cli/dash/source.js';
import type { Gateway } from '../../gateway/index.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/redis-server.js';
import { frameWhere, startBots } from './helpers.js';

const ADMIN = 'admin-token-for-the-dash-e2e';
const NAMES = ['bot-1', 'bot-2', 'bot-3', 'bot-4', 'bot-5'];
const BIN = fileURLToPath(new URL('../../bin/rtgw.js', import.meta.url));

async function rtgw(args: string[], env: Record<string, string> = {}) {
  const { RTGW_ADMIN_TOKEN: _omit, ...base } = process.env; // only the test decides which token is used
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...base, ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let gw: Gateway;
let bots: Awaited<ReturnType<typeof startBots>>;

beforeAll(async () => {
  gw = await startTestGateway({ adminToken: ADMIN });
  bots = await startBots(gw.url, 'lobby', NAMES);
  await bots.bots[2]!.sendChat('bot-3 says hello to the dashboard');
});

afterAll(async () => {
  cleanup();
  await bots?.stop();
  await closeTestGateways();
});

/** The member table rows: name and update rate. */
const memberRates = (frame: string) =>
  Object.fromEntries(frame.split('\n').flatMap((line) => {
    const m = /^│B\d (bot-\d)\s+\w{3}\s+\S+\s+\S+\s+\S+\s+(\d+(?:\.\d)?)│/.exec(line);
    return m ? [[m[1]!, Number(m[2])]] : [];
  }));

// Child processes start slowly on a loaded CI machine: give each test room for a few of them.
describe('rtgw dash against a real gateway with five SDK bots', { timeout: 60_000 }, () => {
  it('shows the five bots by name, moving on the map, their chat and non-zero rates, in 80x24', async () => {
    const r = render(h(App, { source: new HttpDashSource(gw.url, ADMIN), initialRoom: 'lobby', size: { columns: 80, rows: 24 }, pollMs: 200, tickMs: 100 }));
    const frame = await frameWhere(
      r,
      'five bots with update rates, the chat, the room traffic and the gateway totals',
      (f) =>
        Object.values(memberRates(f)).filter((rate) => rate > 0).length === 5 &&
        f.includes('bot-3: bot-3 says hello') &&
        /transforms\s+\S+\s+[1-9]\d*(\.\d)?\/s/.test(f) &&
        /^conns 5 {2}in [1-9]/m.test(f),
      15_000,
    );
    expect(Object.keys(memberRates(frame)).sort()).toEqual(NAMES);
    expect(frame).toMatch(/^rtgw dash 127\.0\.0\.1:\d+ ● connected · 1 node · memory ok$/m);
    expect(frame).toMatch(/^conns 5 {2}in [1-9]/m);
    expect(frame).toContain('room lobby · 5 members · live');
    const lines = frame.split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);

    // The map changes as they walk.
    const map = (f: string) => f.split('\n').slice(4, 15).map((l) => l.split('│')[3] ?? '').join('\n');
    const before = map(frame);
    await frameWhere(r, 'the map to change', (f) => map(f) !== before && /B1/.test(map(f)), 5_000);
  });

  it('--once --json prints rooms and stats as JSON and exits 0', async () => {
    const { code, stdout, stderr } = await rtgw(['dash', '--url', gw.url, '--once', '--json', '--admin-token', ADMIN]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const snapshot = JSON.parse(stdout) as { url: string; rooms: Array<{ roomId: string; members: number }>; stats: { total: { connections: number }; nodes: unknown[] } };
    expect(snapshot.url).toBe(gw.url);
    expect(snapshot.rooms).toEqual([expect.objectContaining({ roomId: 'lobby', members: 5 })]);
    expect(snapshot.stats.nodes).toHaveLength(1);
  });

  it('without a TTY it prints one plain snapshot (with --room, the room too), taking the token from RTGW_ADMIN_TOKEN', async () => {
    const { code, stdout } = await rtgw(['dash', '--url', gw.url, '--room', 'lobby'], { RTGW_ADMIN_TOKEN: ADMIN });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^rtgw http:\/\/127\.0\.0\.1:\d+ · 1 node · store memory ok\n/);
    expect(stdout).toMatch(/^lobby\s+5\s+\S+\s+\S+$/m);
    expect(stdout).toContain('room lobby · 5 members');
    for (const name of NAMES) expect(stdout).toMatch(new RegExp(`^${name}\\s+${name}\\s+(desktop|mobile)\\s+-?\\d`, 'm'));
    expect(stdout).toMatch(/ bot-3: bot-3 says hello to the dashboard$/m);
  });

  it('a wrong admin token is one line on stderr and exit 1; a missing one exit 2; never a stack trace', async () => {
    const [wrong, missing] = await Promise.all([
      rtgw(['dash', '--url', gw.url, '--once', '--admin-token', 'not-the-admin-token']),
      rtgw(['dash', '--url', gw.url, '--once']),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toBe(`rtgw: ${gw.url} refused the admin token (401: the admin token is wrong); use the one \`rtgw serve\` printed\n`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("rtgw: dash needs the gateway's admin token: --admin-token or RTGW_ADMIN_TOKEN (rtgw serve prints it)\n");
  });

  it('an unreachable --url is one line and exit 1; a malformed one exit 2', async () => {
    const port = await freePort();
    const [down, bad] = await Promise.all([
      rtgw(['dash', '--url', `http://127.0.0.1:${port}`, '--json', '--admin-token', ADMIN]),
      rtgw(['dash', '--url', 'ftp://nope', '--admin-token', ADMIN]),
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^rtgw: cannot reach http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\n$`));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--url.*http\(s\) URL/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
