/**
 * The browser bundle: builds with esbuild, stays small, carries neither `ws`, zod nor Node
 * built-ins, and runs (the simulated provider, in plain ESM without Node-specific code paths).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('scripts/build-client-bundle.mjs builds a small ESM bundle without ws, zod or node: imports, and it runs', async () => {
  const outfile = join(tmpdir(), `rtgw-client-${process.pid}.browser.js`);
  const { stdout } = await run(process.execPath, ['scripts/build-client-bundle.mjs', '--outfile', outfile]);
  expect(stdout).toMatch(/KiB raw, .* KiB gzip/);
  const code = await readFile(outfile, 'utf8');
  expect(code.length).toBeLessThan(80 * 1024);
  // Minified imports read `from"x"` / `import("x")`; the only `"ws"` left is in an error message's prose.
  const imports = [...code.matchAll(/(?:from|import\(|require\()"([^"]+)"/g)].map((m) => m[1]);
  expect(imports).toEqual([]);
  expect(/ZodError|\$ZodType/.test(code)).toBe(false);
  const sdk = (await import(pathToFileURL(outfile).href)) as typeof import('../../client/index.js');
  const sim = sdk.createRealtimeProvider({ userId: 'browser-user', env: { USE_MOCK_REALTIME: 'true' }, latencyMs: 1 });
  const room = await sim.joinRoom('demo');
  expect(room.members.length).toBe(4);
  await sim.disconnect();
});
