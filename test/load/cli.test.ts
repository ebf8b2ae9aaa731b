/** `rtgw load` as users run it (`node bin/rtgw.js load …`, built by `npm test`'s pretest): output, JSON and exit codes. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadExitCode } from '../../cli/commands/load.js';
import type { LoadResult } from '../../load/result.js';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';

const BIN = fileURLToPath(new URL('../../bin/rtgw.js', import.meta.url));
const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, 'load', ...args], { timeout: 40_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
const SHORT = ['--rate', '20', '--duration', '2', '--ramp', '1', '--drain', '2'];

afterEach(closeTestGateways);

describe('rtgw load', () => {
  it('a short run exits 0, prints the table, and --json holds the percentiles and the delivery ratio', async () => {
    const gw = await startTestGateway();
    const out = join(await mkdtemp(join(tmpdir(), 'rtgw-load-')), 'out.json');
    const { code, stdout, stderr } = await run(['--url', gw.url, '--rooms', '5', '--clients-per-room', '10', ...SHORT, '--json', out, '--threshold', 'delivered>0.9']);
    expect(stderr).not.toMatch(/rtgw:/);
    expect(code).toBe(LoadExitCode.OK);
    expect(stdout).toMatch(/^rtgw load -> http:\/\/127\.0\.0\.1:\d+ +5 rooms x 10 clients \(50\/50 joined/);
    expect(stdout).toMatch(/\n {2}fan-out +[\d,]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+\n/);
    expect(stdout).toMatch(/\ndelivery +[\d.]+ % of [\d,]+ expected transforms covered/);
    expect(stdout).toMatch(/\n {2}pass {2}delivered>0\.9 /);
    const json = JSON.parse(await readFile(out, 'utf8')) as LoadResult;
    expect(json.clients).toMatchObject({ planned: 50, joined: 50 });
    expect(Object.keys(json.latency.fanout)).toEqual(['count', 'min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max']);
    expect(json.latency.fanout.count).toBeGreaterThan(0);
    expect(json.delivery.ratio).toBeGreaterThan(0.9);
    expect(json.delivery.expected).toBeGreaterThan(0);
    // The built CLI forks generator processes, and counts their CPU with its own.
    expect(json.generator.workers).toBeGreaterThan(0);
    expect(json.generator.cpuCores).toBeGreaterThan(0);
    expect(json.thresholds).toEqual([expect.objectContaining({ expr: 'delivered>0.9', ok: true })]);
  });

  it('a threshold the run cannot meet exits 99 with one line naming it', async () => {
    const gw = await startTestGateway();
    const { code, stderr, stdout } = await run(['--url', gw.url, '--rooms', '1', '--clients-per-room', '3', ...SHORT, '--threshold', 'p99<0.001', 'errors<1']);
    expect(code).toBe(LoadExitCode.THRESHOLDS);
    expect(code).toBe(99);
    // Status lines (stderr is not a terminal here) come first; the verdict is the last line.
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^rtgw: thresholds not met: p99<0\.001 \(was [\d.]+\)$/);
    expect(stdout).toMatch(/FAIL {2}p99<0\.001/);
    expect(stdout).toMatch(/pass {2}errors<1/);
  });

  it('--storm --max-rejoin-ms: a storm within the limit exits 0 and shows where the rejoin time went', async () => {
    const gw = await startTestGateway();
    const out = join(await mkdtemp(join(tmpdir(), 'rtgw-load-')), 'storm.json');
    const { code, stdout } = await run(['--url', gw.url, '--clients', '40', '--duration', '1', '--ramp', '1', '--drain', '1', '--storm', '--max-rejoin-ms', '20000', '--json', out]);
    expect(code).toBe(LoadExitCode.OK);
    expect(stdout).toMatch(/\nstorm +40 dropped, 40 rejoined; all within [\d.]+ ms \(p50 [\d.]+ ms\); \d+ connect timeouts, (\d+ SYN drops|SYN drops unknown); attempts per client [\d.]+ \(max \d+\); tokens reused\n/);
    for (const phase of ['wait \\(backoff\\)', 'TCP connect', 'upgrade', 'join -> room_state']) expect(stdout).toMatch(new RegExp(`\\n {4}${phase} +40 `));
    expect(stdout).toMatch(/\n {2}pass {2}storm<=20000ms /);
    const json = JSON.parse(await readFile(out, 'utf8')) as LoadResult;
    expect(json.options).toMatchObject({ rooms: 2, clients: 40, clientsPerRoom: 20 });
    expect(json.storm).toMatchObject({ dropped: 40, rejoined: 40 });
    expect(json.storm!.phases.join.count).toBe(40);
  });

  it('--storm --max-rejoin-ms: a storm slower than the limit exits 99 with one line naming it', async () => {
    const gw = await startTestGateway();
    const { code, stderr } = await run(['--url', gw.url, '--clients', '20', '--duration', '1', '--ramp', '0.5', '--drain', '0', '--storm', '--max-rejoin-ms', '1']);
    expect(code).toBe(LoadExitCode.THRESHOLDS);
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^rtgw: thresholds not met: storm<=1ms \(was [\d.]+\)$/);
  });

  it.each([
    [['--url', 'http://127.0.0.1:1', '--rooms', '1', '--clients-per-room', '1', '--threshold', 'latency<5'], /--threshold.*unknown metric "latency"/],
    [['--url', 'http://127.0.0.1:1', '--rooms', '0', '--clients-per-room', '1'], /--rooms.*whole number from 1/],
    [['--url', 'http://127.0.0.1:1', '--rooms', '1', '--clients-per-room', '1', '--chat-every', '1'], /chatEvery must be 0 or >= 2 s/],
    [['--rooms', '1', '--clients-per-room', '1'], /required option '--url <url>'/],
    [['--url', 'http://127.0.0.1:1'], /give the size: --rooms N \(of --clients-per-room\) or --clients N/],
    [['--url', 'http://127.0.0.1:1', '--rooms', '2', '--clients', '40'], /give --rooms or --clients, not both/],
    [['--url', 'http://127.0.0.1:1', '--clients', '40', '--max-rejoin-ms', '3000'], /--max-rejoin-ms needs --storm/],
  ])('%j is a usage error: exit 2, one line', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(LoadExitCode.USAGE);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreachable gateway is a runtime failure: exit 1, one line', async () => {
    const { code, stderr } = await run(['--url', 'http://127.0.0.1:1', '--rooms', '1', '--clients-per-room', '1', ...SHORT]);
    expect(code).toBe(LoadExitCode.FAILURE);
    expect(stderr.trim()).toMatch(/^rtgw: cannot reach http:\/\/127\.0\.0\.1:1: .+$/);
  });

  it('--help shows examples and the exit codes', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(/Exit codes: 0 .* 1 .* 2 .* 99 /);
  });
});
