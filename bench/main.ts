/**
 * `npm run bench [-- --steps 50,100,125 --clients-per-room 20 --rate 20 --duration 15 --ramp 5 --idle-clients 2000 --storm-clients 2000 --redis-ops 100 --sample 0.25]`
 * Prints the table and writes bench/results/<date>.json and <date>.md.
 * `npm run bench -- --soak MINUTES [--clients 500]` runs only the soak (bench/soak.ts) and writes
 * bench/results/soak-<date>.json.
 * `npm run bench -- startup` measures only the CLI's start-up (bench/startup.ts) and writes
 * bench/results/startup-<date>.json; the full bench measures it first too.
 * `npm run bench -- removal [--members 10000]` measures one member removal in a big room
 * (bench/removal.ts) and writes bench/results/removal-<date>.json.
 * `npm run bench -- floor` measures what bare WebSocket traffic costs this machine per frame, the floor
 * under every step (bench/floor.ts); writes bench/results/floor-<date>.json.
 * `npm run bench -- capacity [--n 400]` measures what each gateway action costs one Redis shard and
 * the rooms one shard carries at 20 Hz (bench/capacity.ts); writes bench/results/capacity-<date>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../scenarios/support/paths.js';
import { parseBenchArgs, parseSoakArgs } from './args.js';
import { runBench, type BenchOptions } from './harness.js';
import { benchMarkdown, formatBench } from './report.js';
import { formatCapacity, measureCapacity } from './capacity.js';
import { formatFloor, measureFloor } from './floor.js';
import { formatRemoval, measureRemoval } from './removal.js';
import { formatSoak, runSoak } from './soak.js';
import { formatStartup, measureStartup } from './startup.js';

async function startup(log: (line: string) => void): Promise<string> {
  const result = await measureStartup(21, log);
  const dir = join(packageRoot(), 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = `startup-${result.startedAt.slice(0, 10)}.json`;
  await writeFile(join(dir, file), `${JSON.stringify(result, null, 2)}\n`);
  return `${formatStartup(result)}\n\nwrote bench/results/${file}`;
}

/** `--name N` from argv, a whole number >= min, or `fallback`. */
function wholeArg(argv: string[], name: string, fallback: number, min: number): number {
  const i = argv.indexOf(name);
  const n = i === -1 ? fallback : Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < min) throw new TypeError(`${name} must be a whole number >= ${min}`);
  return n;
}

/** The commit measured (`git rev-parse --short HEAD`), when this is a git checkout. */
function commitOf(result: { commit?: string }): void {
  try {
    result.commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: packageRoot(), encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the figure stands without it
  }
}

/** Write a measured result, with the commit it measured, as bench/results/<kind>-<date>.json. */
async function save<T extends { startedAt: string; commit?: string }>(kind: string, result: T): Promise<string> {
  commitOf(result);
  const dir = join(packageRoot(), 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = `${kind}-${result.startedAt.slice(0, 10)}.json`;
  await writeFile(join(dir, file), `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

async function removal(argv: string[], log: (line: string) => void): Promise<string> {
  const result = await measureRemoval(wholeArg(argv, '--members', 10_000, 2), log);
  const file = await save('removal', result);
  return `${formatRemoval(result)}\n\nwrote bench/results/${file}`;
}

async function capacity(argv: string[], log: (line: string) => void): Promise<string> {
  const result = await measureCapacity(wholeArg(argv, '--n', 400, 10), log);
  const file = await save('capacity', result);
  return `${formatCapacity(result)}\n\nwrote bench/results/${file}`;
}

async function floor(log: (line: string) => void): Promise<string> {
  const result = await measureFloor(log);
  const file = await save('floor', result);
  return `${formatFloor(result)}\n\nwrote bench/results/${file}`;
}

async function soak(argv: string[], log: (line: string) => void): Promise<string> {
  const result = await runSoak({ ...parseSoakArgs(argv), log });
  const file = await save('soak', result);
  return `${formatSoak(result)}\n\nwrote bench/results/${file}`;
}

async function main(): Promise<number> {
  const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const argv = process.argv.slice(2);
  if (argv[0] === 'startup') {
    process.stdout.write(`${await startup(log)}\n`);
    return 0;
  }
  if (argv[0] === 'removal') {
    process.stdout.write(`${await removal(argv.slice(1), log)}\n`);
    return 0;
  }
  if (argv[0] === 'capacity') {
    process.stdout.write(`${await capacity(argv.slice(1), log)}\n`);
    return 0;
  }
  if (argv[0] === 'floor') {
    process.stdout.write(`${await floor(log)}\n`);
    return 0;
  }
  if (argv.includes('--soak')) {
    try {
      parseSoakArgs(argv); // a bad flag is a usage error before anything starts
    } catch (err) {
      process.stderr.write(`bench: ${(err as Error).message}\n`);
      return 2;
    }
    process.stdout.write(`${await soak(argv, log)}\n`);
    return 0;
  }
  let options: Omit<BenchOptions, 'log'>;
  try {
    options = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  const startupReport = await startup(log); // first, while the machine is quiet
  const result = await runBench({ ...options, log });
  commitOf(result);
  const dir = join(packageRoot(), 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const date = result.startedAt.slice(0, 10);
  await writeFile(join(dir, `${date}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(dir, `${date}.md`), benchMarkdown(result));
  process.stdout.write(`\n${startupReport}\n\n${formatBench(result)}\n\nwrote bench/results/${date}.json and ${date}.md in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return 0;
}

// Exit once done: nothing (a socket, a timer) may keep the bench alive after its report.
process.exit(
  await main().catch((err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }),
);
