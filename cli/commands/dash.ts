import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { idOption, intOption, urlOption } from '../options.js';

interface DashOptions {
  url: string;
  room?: string;
  adminToken?: string;
  once?: boolean;
  json?: boolean;
  pollMs: number;
}

export function registerDash(program: Command): void {
  program
    .command('dash')
    .description("live terminal dashboard of a gateway's rooms, members, movement and chat (read-only; needs the admin token)")
    .option('--url <url>', 'the gateway', urlOption, 'http://localhost:8080')
    .option('--room <roomId>', 'open this room first', idOption)
    .option('--admin-token <t>', 'the gateway\'s admin token [env RTGW_ADMIN_TOKEN] (rtgw serve prints it in development)')
    .option('--once', 'print one plain snapshot and exit (the default without a terminal)')
    .option('--json', 'print one snapshot as JSON and exit')
    .option('--poll-ms <ms>', 'how often to fetch stats and rooms', intOption(100, 60_000), 1_000)
    .addHelpText(
      'after',
      [
        '',
        'Keys: ↑/↓ select a room, Enter open it, s change the sort, b or Esc back, q quit.',
        'Without a TTY (CI, pipes) it prints one snapshot, as with --once.',
        '',
        'Examples:',
        '  $ rtgw dash --url http://localhost:8080 --room lobby --admin-token "$RTGW_ADMIN_TOKEN"',
        '  $ rtgw dash --url http://localhost:8080 --once --json | jq .stats.total',
      ].join('\n'),
    )
    .action(async (opts: DashOptions) => {
      const token = opts.adminToken ?? process.env.RTGW_ADMIN_TOKEN;
      if (!token) throw new CliError('dash needs the gateway\'s admin token: --admin-token or RTGW_ADMIN_TOKEN (rtgw serve prints it)', ExitCode.USAGE);
      const [{ takeSnapshot, formatSnapshot }, { AdminApiError, HttpDashSource }] = await Promise.all([import('../dash/once.js'), import('../dash/source.js')]);
      const source = new HttpDashSource(opts.url, token);
      // One request first, whatever the mode: a wrong token or a dead URL is one line, not a screen.
      let snapshot;
      try {
        snapshot = await takeSnapshot(source, opts.room);
      } catch (err) {
        if (err instanceof AdminApiError) throw new CliError(err.message, ExitCode.FAILURE);
        throw err;
      }
      if (opts.json) return void process.stdout.write(JSON.stringify(snapshot, null, 2) + '\n');
      if (opts.once || !process.stdout.isTTY || !process.stdin.isTTY) return void process.stdout.write(formatSnapshot(snapshot));
      const { runDashboard } = await import('../dash/live.js'); // ink and React load only for the live view
      await runDashboard({ source, initialRoom: opts.room, pollMs: opts.pollMs });
    });
}
