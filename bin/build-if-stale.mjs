#!/usr/bin/env node
// The prepare script: `npm run build` unless dist/ is already newer than every source file.
// npm runs prepare after `npm install` in a clone (dist/ missing: it builds) and again whenever npx
// installs this folder into its cache for `npx rtgw serve` (dist/ fresh: it skips, and the first
// npx call takes about a second and a half instead of a full rebuild, over 10 s).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(root, 'dist', '.build-stamp');
/** What `npm run build` reads (tsconfig.json includes these; the web and client bundles too). */
const INPUTS = ['cli', 'client', 'gateway', 'load', 'protocol', 'scenarios', 'web', 'scripts', 'tsconfig.json', 'package.json'];

function newest(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) if (entry !== 'node_modules') max = Math.max(max, newest(join(path, entry)));
  return max;
}

let stamp = 0;
try {
  stamp = statSync(STAMP).mtimeMs;
} catch {}
const sources = Math.max(...INPUTS.map((p) => newest(join(root, p))));
if (stamp > 0 && stamp >= sources && process.env.RTGW_FORCE_BUILD !== '1') {
  process.stdout.write('rtgw: dist/ is up to date, not rebuilding (RTGW_FORCE_BUILD=1 to force)\n');
} else {
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { status } = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (status !== 0) process.exit(status ?? 1);
  // Stamped with the time the build started: a source saved during the build counts as newer.
  writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  utimesSync(STAMP, new Date(started), new Date(started));
}
