#!/usr/bin/env node
// Run by `npm install` in a clone (the prepare script): put this package's own `rtgw` into
// node_modules/.bin, so `npx rtgw serve` finds it locally and runs it at once. Without the link,
// npx runs a project's own bin by installing the folder into its cache (npm's libnpmexec does
// that whenever the local package.json has the bin), which runs prepare again; that is why
// prepare (bin/build-if-stale.mjs) skips the build when dist/ is fresh. The link serves
// `node_modules/.bin/rtgw` and tools that put node_modules/.bin on the PATH.
import { existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'node_modules', '.bin');
const link = join(binDir, 'rtgw');
const target = relative(binDir, join(root, 'bin', 'rtgw.js'));

// Installed as somebody's dependency, npm links the bin itself; only a clone needs this.
if (existsSync(join(root, 'node_modules')) && !root.split(/[\\/]/).includes('node_modules')) {
  mkdirSync(binDir, { recursive: true });
  try {
    if (lstatSync(link, { throwIfNoEntry: false })) unlinkSync(link);
    symlinkSync(target, link);
  } catch (err) {
    // Not fatal (say, a file system without symlinks): `npm start` and `node bin/rtgw.js serve` still work.
    process.stderr.write(`rtgw: could not link node_modules/.bin/rtgw (${err.message}); use npm start or node bin/rtgw.js serve\n`);
  }
}
