/**
 * CLI start-up: how long `rtgw --help`, `rtgw token` and friends take from spawn to exit, next to
 * `node -e 0` (the floor on this machine: no CLI can start faster than Node itself). Each command
 * runs `runs` times, alternating with the baseline so a busy neighbour slows both alike; the
 * figure that matters is the median and its ratio to the baseline's median.
 *
 * `npm run bench -- startup` runs only this; `npm run bench` runs it first and then the load steps.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../scenarios/support/paths.js';

export interface StartupCase {
  name: string;
  args: string[];
}

export interface StartupFigure {
  name: string;
  command: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  /** medianMs / the baseline's medianMs. */
  ratio: number;
}

export interface StartupResult {
  startedAt: string;
  node: string;
  cpus: number;
  loadavg: number[];
  baseline: StartupFigure;
  commands: StartupFigure[];
  /** `rtgw serve --port 0` from spawn until it prints that it listens. */
  serveReady: StartupFigure;
}

const BIN = () => join(packageRoot(), 'bin', 'rtgw.js');

export const STARTUP_CASES: StartupCase[] = [
  { name: 'rtgw --help', args: ['--help'] },
  { name: 'rtgw --version', args: ['--version'] },
  { name: 'rtgw token', args: ['token', '--user', 'alice', '--room', 'lobby', '--jwt-secret', 'bench-secret'] },
  { name: 'rtgw serve --help', args: ['serve', '--help'] },
];

/** Wall time of one run, spawn to exit (or to `readyLine` on stdout, then killed). */
function timeOnce(args: string[], readyLine?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    let out = '';
    let readyAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (!readyLine || readyAt !== undefined) return;
      out += chunk.toString();
      if (readyLine.test(out)) {
        readyAt = elapsed();
        child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.once('error', reject);
    child.once('exit', (code) => {
      if (readyLine) return readyAt === undefined ? reject(new Error(`${args.join(' ')} exited ${code} before it was ready`)) : resolve(readyAt);
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}`));
      resolve(elapsed());
    });
  });
}

function figure(name: string, command: string, samples: number[], baselineMedian: number): StartupFigure {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const median = at(0.5);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { name, command, runs: samples.length, medianMs: r(median), p90Ms: r(at(0.9)), minMs: r(sorted[0]!), ratio: Math.round((median / baselineMedian) * 100) / 100 };
}

export async function measureStartup(runs = 21, log: (line: string) => void = () => {}): Promise<StartupResult> {
  const startedAt = new Date().toISOString();
  const { cpus, loadavg } = await import('node:os');
  const baseline: number[] = [];
  const samples = new Map<string, number[]>(STARTUP_CASES.map((c) => [c.name, []]));
  const serve: number[] = [];
  // Warm the page cache once so the first sample does not measure the disk.
  await timeOnce(['-e', '0']);
  for (const c of STARTUP_CASES) await timeOnce([BIN(), ...c.args]);
  for (let i = 0; i < runs; i++) {
    baseline.push(await timeOnce(['-e', '0']));
    for (const c of STARTUP_CASES) samples.get(c.name)!.push(await timeOnce([BIN(), ...c.args]));
    if (i % 3 === 0) serve.push(await timeOnce([BIN(), 'serve', '--port', '0', '--host', '127.0.0.1', '--log-level', 'silent'], /rtgw listening on/));
    if (i % 5 === 4) log(`startup: ${i + 1}/${runs} rounds`);
  }
  const base = figure('node -e 0', 'node -e 0', baseline, 1);
  const baseMedian = base.medianMs;
  base.ratio = 1;
  return {
    startedAt,
    node: process.version,
    cpus: cpus().length,
    loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
    baseline: base,
    commands: STARTUP_CASES.map((c) => figure(c.name, `node bin/rtgw.js ${c.args.join(' ')}`, samples.get(c.name)!, baseMedian)),
    serveReady: figure('rtgw serve (until listening)', 'node bin/rtgw.js serve --port 0', serve, baseMedian),
  };
}

export function formatStartup(r: StartupResult): string {
  const rows = [r.baseline, ...r.commands, r.serveReady];
  const width = Math.max(...rows.map((f) => f.name.length));
  const lines = [
    `CLI start-up (${r.node}, ${r.cpus} cores, load ${r.loadavg.join(' ')}; ${r.baseline.runs} runs each, spawn to exit)`,
    `${'command'.padEnd(width)}  median     p90     min  × node -e 0`,
    ...rows.map((f) => `${f.name.padEnd(width)}  ${f.medianMs.toFixed(0).padStart(4)} ms ${f.p90Ms.toFixed(0).padStart(4)} ms ${f.minMs.toFixed(0).padStart(4)} ms  ${f.ratio.toFixed(2)}`),
  ];
  return lines.join('\n');
}
