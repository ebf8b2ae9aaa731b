import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { signHs256Token } from '../token-sign.js';
import { idOption, intOption } from '../options.js';

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('print a signed realtime token (HS256) for scripting')
    .requiredOption('--user <id>', 'user id (sub)', idOption)
    .requiredOption('--room <id>', 'room id', idOption)
    .option('--ttl <s>', 'lifetime in seconds', intOption(1, 86_400), 900)
    .option('--device <d>', 'desktop or mobile', 'desktop')
    .option('--name <name>', 'display name (1..32 characters)')
    .option('--jwt-secret <s>', 'the gateway\'s HS256 secret [env RTGW_JWT_SECRET]')
    .option('--jwt-audience <aud>', 'aud claim [env RTGW_JWT_AUDIENCE]', process.env.RTGW_JWT_AUDIENCE ?? 'rtgw')
    .option('--jwt-issuer <iss>', 'iss claim [env RTGW_JWT_ISSUER]', process.env.RTGW_JWT_ISSUER)
    .option('--json', 'print { token, expiresAt } as JSON')
    .addHelpText('after', '\nExample:\n  $ RTGW_JWT_SECRET=… rtgw token --user alice --room lobby --ttl 60 --device mobile')
    .action(async (opts: { user: string; room: string; ttl: number; device: string; name?: string; jwtSecret?: string; jwtAudience: string; jwtIssuer?: string; json?: boolean }) => {
      const secret = opts.jwtSecret ?? process.env.RTGW_JWT_SECRET;
      if (!secret) throw new CliError('rtgw token needs the gateway\'s secret: --jwt-secret or RTGW_JWT_SECRET');
      if (opts.device !== 'desktop' && opts.device !== 'mobile') throw new CliError(`invalid --device "${opts.device}": expected desktop or mobile`);
      if (opts.name !== undefined && (opts.name.length < 1 || opts.name.length > 32)) throw new CliError('invalid --name: 1..32 characters');
      const { token, expiresAt } = signHs256Token(secret, { userId: opts.user, roomId: opts.room, displayName: opts.name, device: opts.device, ttlSeconds: opts.ttl, audience: opts.jwtAudience, issuer: opts.jwtIssuer });
      process.stdout.write(opts.json ? JSON.stringify({ token, expiresAt }) + '\n' : token + '\n');
    });
}
