/** The rtgw command line: one file per command under cli/commands. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBlock } from './commands/block.js';
import { registerBots } from './commands/bots.js';
import { registerDash } from './commands/dash.js';
import { registerLoad } from './commands/load.js';
import { registerScenario } from './commands/scenario.js';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { CliError, ExitCode } from './errors.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('rtgw')
    .description('Realtime WebSocket gateway for multi-user rooms, and the tools that test, load and watch it.')
    .version(pkg.version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) })
    .addHelpText('after', '\nExamples:\n  $ rtgw serve\n  $ rtgw token --user alice --room lobby --jwt-secret "$SECRET"\n  $ rtgw block alice bob --redis redis://127.0.0.1:6379');
  registerServe(program);
  registerToken(program);
  registerBlock(program);
  registerDash(program);
  registerScenario(program);
  registerBots(program);
  registerLoad(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message; help and version are not failures.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (err instanceof CliError) {
      process.stderr.write(`rtgw: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`rtgw: ${(err as Error).message ?? String(err)}\n`);
    return ExitCode.FAILURE;
  }
}
