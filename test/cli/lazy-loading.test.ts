/**
 * Start-up: a command loads only what it runs. `rtgw --help` must not pull in the gateway, the SDK,
 * the load generator or the dashboard. The timings are in `npm run bench -- startup`; this file
 * proves the cause (which modules load), which does not depend on how busy the machine is.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/rtgw.js', import.meta.url));

/** A module-resolve hook that reports every URL the CLI resolves on stderr, one per line. */
function hookFiles(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtgw-lazy-'));
  writeFileSync(join(dir, 'hook.mjs'), 'export async function resolve(s, c, next) { const r = await next(s, c); process._rawDebug("LOADED " + r.url); return r; }\n');
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
  return join(dir, 'register.mjs');
}

async function loadedBy(args: string[]): Promise<string[]> {
  const register = hookFiles();
  const { stderr } = await promisify(execFile)(process.execPath, ['--import', register, BIN, ...args], { env: { ...process.env, RTGW_JWT_SECRET: 'lazy-secret' } }).catch((e: { stderr: string }) => e);
  return stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice('LOADED '.length));
}

const HEAVY = ['/zod/', '/ioredis/', '/jose/', '/ink/', '/react/', '/hdr-histogram-js/', '/junit-report-builder/', '/ws/', '/prom-client/', '/pino/', '/dist/gateway/', '/dist/client/', '/dist/scenarios/', '/dist/load/run'];

describe('lazy command loading', () => {
  it.each([[['--help']], [['--version']], [['token', '--user', 'alice', '--room', 'lobby']], [['serve', '--help']], [['scenario', '--help']]])(
    '%j loads none of the heavy dependencies',
    async (args) => {
      const loaded = await loadedBy(args);
      expect(loaded.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true); // the hook saw the CLI
      expect(loaded.filter((u) => HEAVY.some((h) => u.includes(h)))).toEqual([]);
    },
  );

  it('a command that runs loads its code: `scenario list` loads the scenarios, `serve` would load the gateway', async () => {
    const loaded = await loadedBy(['scenario', 'list']);
    expect(loaded.some((u) => u.endsWith('/dist/scenarios/index.js'))).toBe(true);
    expect(loaded.some((u) => u.includes('/dist/gateway/server.js') || u.includes('/ioredis/'))).toBe(false);
  });
});
