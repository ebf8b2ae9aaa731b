/** Every option of the gateway's configuration that names a flag is a flag `rtgw serve` accepts and documents. */
import { describe, expect, it } from 'vitest';
import { configSources } from '../../gateway/config.js';
import { runCli } from '../helpers/cli.js';

describe('rtgw serve --help', () => {
  it('lists every flag of gateway/config.ts, with its environment variable', async () => {
    const { stdout, code } = await runCli(['serve', '--help']);
    expect(code).toBe(0);
    const missing: string[] = [];
    for (const [key, source] of Object.entries(configSources)) {
      if (!source.flag) continue;
      if (!stdout.includes(source.flag)) missing.push(`${key}: ${source.flag}`);
      else if (source.env && !source.env.includes('=') && !stdout.includes(source.env)) missing.push(`${key}: ${source.flag} does not name ${source.env}`);
    }
    expect(missing).toEqual([]);
  });
});
