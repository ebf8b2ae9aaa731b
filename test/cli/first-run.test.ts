/**
 * The first `npx rtgw serve` after `npm install`: npx installs this folder into its cache and runs
 * `prepare` again, so prepare (bin/build-if-stale.mjs) must skip the build when dist/ is fresh.
 * Run here on a scratch package whose "build" only leaves a mark, so the test is fast and does not
 * rebuild the real dist/. (Measured on a fresh clone: see the README's quick start.)
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/', import.meta.url));

function scratchPackage(): string {
  const root = mkdtempSync(join(tmpdir(), 'rtgw-first-run-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'gateway'));
  mkdirSync(join(root, 'node_modules'));
  for (const f of ['build-if-stale.mjs', 'link-self.mjs', 'rtgw.js']) copyFileSync(join(BIN, f), join(root, 'bin', f));
  writeFileSync(join(root, 'gateway', 'server.ts'), 'export {};\n');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'rtgw', version: '0.0.0', type: 'module', scripts: { build: 'node -e "require(\'fs\').mkdirSync(\'dist\',{recursive:true});require(\'fs\').appendFileSync(\'builds.log\',\'built\\\\n\')"' } }));
  const old = new Date(Date.now() - 60_000);
  for (const f of ['gateway/server.ts', 'package.json']) utimesSync(join(root, f), old, old);
  return root;
}

const prepare = (root: string) => promisify(execFile)(process.execPath, [join(root, 'bin', 'build-if-stale.mjs')], { cwd: root });
const builds = (root: string) => (existsSync(join(root, 'builds.log')) ? readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean).length : 0);

describe('first run after npm install', () => {
  it('prepare builds when dist/ is missing, skips when it is newer than every source, and builds again after an edit', async () => {
    const root = scratchPackage();
    await prepare(root);
    expect(builds(root)).toBe(1);
    const { stdout } = await prepare(root); // what npx's install of the folder runs
    expect(stdout).toContain('dist/ is up to date, not rebuilding');
    expect(builds(root)).toBe(1);
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'gateway', 'server.ts'), later, later);
    await prepare(root);
    expect(builds(root)).toBe(2);
  });

  it('npm install links the package\'s own rtgw into node_modules/.bin', async () => {
    const root = scratchPackage();
    await promisify(execFile)(process.execPath, [join(root, 'bin', 'link-self.mjs')], { cwd: root });
    expect(readlinkSync(join(root, 'node_modules', '.bin', 'rtgw'))).toBe(join('..', '..', 'bin', 'rtgw.js'));
  });
});
