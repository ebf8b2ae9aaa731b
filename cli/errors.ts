/** A failure the CLI reports as one clear line (no stack trace) with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Usage errors exit 2; runtime failures (unreachable server, failed checks) exit 1. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2 } as const;
