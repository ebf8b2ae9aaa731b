import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { resolveLoadOptions, LOAD_DEFAULTS, type LoadOptions } from '../../load/options.js';
import type { LiveStatus } from '../../load/run.js';
import { parseThreshold, type Threshold } from '../../load/thresholds.js';
import { CliError, ExitCode } from '../errors.js';
import { intOption, urlOption } from '../options.js';

/**
 * Exit codes of `rtgw load`. 0: the run completed and every threshold held (errors alone do not
 * fail a run; `--threshold errors<1` makes them). 1: no measurement (target unreachable, nobody
 * could join, a generator process died). 2: bad usage. 99: a threshold was breached (k6's code).
 */
export const LoadExitCode = { ...ExitCode, THRESHOLDS: 99 } as const;

/** Plain status lines every this many ms when stderr is not a terminal. */
const PLAIN_STATUS_MS = 5000;

function numberOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return n;
  };
}

function thresholdOption(value: string, previous: Threshold[] = []): Threshold[] {
  try {
    return [...previous, parseThreshold(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function workersOption(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  return intOption(0, 64)(value);
}

/** The parsed flags: the generator's own options (one definition), plus what only the CLI has. */
type LoadFlags = Pick<LoadOptions, 'url' | 'clientsPerRoom' | 'rate' | 'chatEvery' | 'duration' | 'ramp' | 'mobileRatio' | 'killEvery' | 'sample' | 'workers' | 'drain'> & {
  rooms?: number;
  clients?: number;
  storm?: boolean;
  maxRejoinMs?: number;
  json?: string;
  threshold?: Threshold[];
};

export function registerLoad(program: Command): void {
  program
    .command('load')
    .description('generate load on a gateway: rooms of clients streaming transforms; fan-out latency, delivery, reconnect storms')
    .requiredOption('--url <url>', 'gateway base URL (tokens from POST <url>/rooms/join)', urlOption)
    .option('--rooms <n>', 'number of rooms (of --clients-per-room each); or give --clients', intOption(1, 10_000))
    .option('--clients <n>', 'clients in all, in rooms of --clients-per-room (the last rooms one short); or give --rooms', intOption(1, 200_000))
    .option('--clients-per-room <n>', 'clients in each room', intOption(1, 1000), LOAD_DEFAULTS.clientsPerRoom)
    .option('--rate <hz>', 'transforms per second per client, capped at 20 desktop / 15 mobile; 0: idle', numberOption(0, 60), LOAD_DEFAULTS.rate)
    .option('--chat-every <s>', "seconds between one client's chat messages (0: none; at least 2)", numberOption(0, 3600), LOAD_DEFAULTS.chatEvery)
    .option('--duration <s>', 'seconds measured, once every client joined', numberOption(0.5, 86_400), LOAD_DEFAULTS.duration)
    .option('--ramp <s>', 'seconds over which clients arrive (evenly spaced)', numberOption(0, 3600), LOAD_DEFAULTS.ramp)
    .option('--mobile-ratio <f>', 'fraction of mobile clients (15/s)', numberOption(0, 1), LOAD_DEFAULTS.mobileRatio)
    .option('--json <file>', 'write the full result as JSON')
    .option('--threshold <expr...>', 'pass/fail criteria, e.g. p99<50 delivered>0.999 connect.p99<1s (exit 99 when one fails)', thresholdOption)
    .option('--kill-every <s>', "drop one client's socket abruptly every S seconds during the window (it reconnects; 0: never)", numberOption(0, 3600), LOAD_DEFAULTS.killEvery)
    .option('--storm', 'after the window, drop every socket at once and measure until all have rejoined')
    .option('--max-rejoin-ms <ms>', 'with --storm: fail (exit 99) unless every client rejoined within this many ms (the threshold storm<=MS)', intOption(1, 3_600_000))
    .option('--sample <f>', 'fraction of clients that measure what they receive (the rest only count frames): less generator CPU on a shared box', numberOption(0.001, 1), LOAD_DEFAULTS.sample)
    .option('--workers <n>', 'generator processes (auto: one per core, at most 4; 0: this process)', workersOption, LOAD_DEFAULTS.workers)
    .option('--drain <s>', 'seconds after the window during which late transforms still count', numberOption(0, 60), LOAD_DEFAULTS.drain)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ rtgw load --url http://localhost:8080 --rooms 5 --clients-per-room 10 --rate 20 --duration 10 --json out.json\n' +
        '  $ rtgw load --url http://localhost:8080 --rooms 50 --clients-per-room 20 --threshold "p99<100" "delivered>0.999"\n' +
        '  $ rtgw load --url http://localhost:8080 --rooms 50 --clients-per-room 20 --duration 5 --storm --threshold "storm<3s"\n' +
        '  $ rtgw load --url http://localhost:8080 --clients 200 --duration 2 --storm --max-rejoin-ms 3000\n' +
        '\nExit codes: 0 done (thresholds met), 1 no measurement (unreachable, nobody joined), 2 bad usage, 99 a threshold failed.\n' +
        'Definitions of latency, expected and delivered: load/README.md.',
    )
    .action(async (flags: LoadFlags) => {
      let options: LoadOptions;
      const thresholds = [...(flags.threshold ?? [])];
      try {
        if (flags.rooms === undefined && flags.clients === undefined) throw new TypeError('give the size: --rooms N (of --clients-per-room) or --clients N');
        if (flags.rooms !== undefined && flags.clients !== undefined) throw new TypeError('give --rooms or --clients, not both');
        if (flags.maxRejoinMs !== undefined) {
          if (!flags.storm) throw new TypeError('--max-rejoin-ms needs --storm');
          thresholds.push(parseThreshold(`storm<=${flags.maxRejoinMs}ms`));
        }
        const { threshold: _t, json: _j, maxRejoinMs: _m, ...generator } = flags;
        options = resolveLoadOptions({ ...generator, storm: flags.storm ?? false });
      } catch (err) {
        throw new CliError((err as Error).message, LoadExitCode.USAGE);
      }
      // The generator (workers, HDR histograms, the SDK) loads only when a load runs.
      const [{ formatResult, statusLine }, { LoadError, runLoad }] = await Promise.all([import('../../load/report.js'), import('../../load/run.js')]);
      const live = liveStatus(statusLine);
      let result;
      try {
        result = await runLoad({ ...options, thresholds }, { onStatus: live.update });
      } catch (err) {
        live.end();
        if (err instanceof LoadError) throw new CliError(err.message, LoadExitCode.FAILURE);
        throw err;
      }
      live.end();
      process.stdout.write(`${formatResult(result)}\n`);
      if (flags.json) await writeFile(flags.json, `${JSON.stringify(result, null, 2)}\n`);
      const failed = result.thresholds.filter((t) => !t.ok);
      if (failed.length) {
        const list = failed.map((t) => `${t.expr} (was ${wasValue(t.metric, t.actual)})`).join(', ');
        throw new CliError(`thresholds not met: ${list}`, LoadExitCode.THRESHOLDS);
      }
    });
}

function wasValue(metric: string, actual: number): string {
  if (Number.isNaN(actual)) return 'no value';
  // The storm's time to the last rejoin is infinite when some client never rejoined.
  if (!Number.isFinite(actual)) return metric === 'storm.all' ? 'never: not every client rejoined' : String(actual);
  return String(Math.round(actual * 10_000) / 10_000);
}

/** One rewritten line on a terminal; a plain line every few seconds otherwise (CI logs). */
function liveStatus(statusLine: (s: LiveStatus) => string) {
  const tty = process.stderr.isTTY === true;
  let lastPlain = 0;
  let shown = false;
  return {
    update: (s: LiveStatus) => {
      if (tty) {
        process.stderr.write(`\r\x1b[K${statusLine(s).slice(0, (process.stderr.columns || 200) - 1)}`);
        shown = true;
      } else if (Date.now() - lastPlain >= PLAIN_STATUS_MS) {
        lastPlain = Date.now();
        process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${statusLine(s)}\n`);
      }
    },
    end: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}
