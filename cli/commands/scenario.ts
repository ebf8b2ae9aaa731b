import type { Command } from 'commander';
import { requireGateway } from '../gateway-check.js';
import { CliError, ExitCode } from '../errors.js';
import { intOption, redisUrlOption, urlOption } from '../options.js';

interface ScenarioOptions {
  url?: string;
  redis?: string;
  json?: string;
  junit?: string;
  jwtSecret?: string;
  adminToken?: string;
  duration?: number;
}

export function registerScenario(program: Command): void {
  program
    .command('scenario')
    .description('run acceptance scenarios headlessly: `list`, one or more names, or `all`')
    .argument('<names...>', '`list`, `all`, or scenario names')
    .option('--url <url>', 'test this running gateway (scenarios that must start, kill or restart nodes are skipped)', urlOption)
    .option('--redis <url>', 'use this Redis for the nodes the scenarios start (default: their own redis-server)', redisUrlOption)
    .option('--json <file>', 'write machine-readable results')
    .option('--junit <file>', 'write JUnit XML (one test case per scenario)')
    .option('--jwt-secret <s>', 'with --url: the gateway\'s HS256 secret, to forge expired and wrong-audience tokens [env RTGW_JWT_SECRET]')
    .option('--duration <s>', 'how long long-running scenarios (chaos) run, in seconds (default: each scenario\'s own; chaos 180)', intOption(5, 86_400))
    .option('--admin-token <t>', 'with --url: the gateway\'s admin token, for the block scenario [env RTGW_ADMIN_TOKEN]')
    .addHelpText('after', '\nExamples:\n  $ rtgw scenario list\n  $ rtgw scenario two-users\n  $ rtgw scenario all --junit results.xml\n  $ rtgw scenario two-users chat-limits --url http://localhost:8080')
    .action(async (names: string[], opts: ScenarioOptions) => {
      const { scenarios } = await import('../../scenarios/index.js'); // bots, the SDK, junit: only when scenarios run
      if (names.length === 1 && names[0] === 'list') {
        const width = Math.max(...scenarios.map((s) => s.name.length));
        for (const s of scenarios) process.stdout.write(`${s.name.padEnd(width)}  ${s.description}\n`);
        return;
      }
      const known = new Map(scenarios.map((s) => [s.name, s]));
      const unknown = names.filter((n) => n !== 'all' && !known.has(n));
      if (unknown.length > 0) {
        throw new CliError(`unknown scenario ${unknown.map((n) => `"${n}"`).join(', ')}; choose from: all, ${[...known.keys()].join(', ')}`);
      }
      const chosen = names.includes('all') ? scenarios : names.map((n) => known.get(n)!);
      if (opts.url) await requireGateway(opts.url);
      const [{ consoleReporter, summaryLines, useColour, writeJson, writeJunit }, { runScenarios }] = await Promise.all([import('../../scenarios/support/report.js'), import('../../scenarios/support/runner.js')]);
      const write = (line: string) => process.stdout.write(line + '\n');
      const results = await runScenarios(chosen, {
        url: opts.url,
        redisUrl: opts.redis,
        jwtSecret: opts.jwtSecret ?? process.env.RTGW_JWT_SECRET,
        adminToken: opts.adminToken ?? process.env.RTGW_ADMIN_TOKEN,
        durationS: opts.duration,
        hooks: consoleReporter(write, useColour(process.stdout)),
      });
      for (const line of summaryLines(results)) write(line);
      if (opts.json) writeJson(opts.json, results);
      if (opts.junit) writeJunit(opts.junit, results);
      if (results.some((r) => r.status === 'failed')) throw new CliError('some scenarios failed', ExitCode.FAILURE);
    });
}
