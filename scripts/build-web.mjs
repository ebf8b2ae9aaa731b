#!/usr/bin/env node
/**
 * The demo page, built into dist/web/ (served by `rtgw serve` at `/`, see gateway/static.ts):
 *   app.js                  web/src/main.ts bundled and minified; the SDK stays outside it,
 *                           imported as ./rtgw-client.browser.js (the page uses the SDK's public API only)
 *   room-view-3d.js         the 3D view with three.js bundled in (tree-shaken, minified); app.js
 *                           imports it only where WebGL works, so the 2D fallback never loads it
 *   rtgw-client.browser.js  the SDK's browser bundle, copied from scripts/build-client-bundle.mjs's output
 *   index.html, styles.css, favicon.svg   copied from web/
 *
 * Flags read from the build's environment are baked in (REALTIME_PROVIDER=sim gives a page that
 * runs on the simulation unless its URL says `?provider=ws`). Prints each file's size, raw and gzipped.
 *
 *   node scripts/build-web.mjs [--outdir dir] [--sdk path/to/rtgw-client.browser.js]
 */
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return resolve(root, i >= 0 ? args[i + 1] : fallback);
};
const outdir = arg('--outdir', 'dist/web');
const sdk = arg('--sdk', 'dist/client/rtgw-client.browser.js');
const SDK_FILE = 'rtgw-client.browser.js';
const STATIC = ['index.html', 'styles.css', 'favicon.svg'];
const VIEW_3D_FILE = 'room-view-3d.js';
const FLAG_NAMES = ['REALTIME_PROVIDER', 'USE_MOCK_REALTIME', 'REALTIME_RECONNECT_INTERVAL_MS', 'REALTIME_RATE_LIMIT_DEBUG'];

function fail(message) {
  console.error(`build-web: ${message}`);
  process.exit(1);
}

if (!existsSync(sdk)) fail(`${relative(root, sdk)} is missing: run node scripts/build-client-bundle.mjs first`);

const flags = Object.fromEntries(FLAG_NAMES.filter((n) => process.env[n]?.trim()).map((n) => [n, process.env[n].trim()]));
if (flags.REALTIME_PROVIDER && !['ws', 'sim'].includes(flags.REALTIME_PROVIDER.toLowerCase())) {
  fail(`REALTIME_PROVIDER must be "ws" or "sim" (got ${JSON.stringify(flags.REALTIME_PROVIDER)})`);
}

/** Every import of the SDK's entry point becomes the separate SDK bundle next to app.js. */
const sdkIsExternal = {
  name: 'sdk-is-external',
  setup(b) {
    const entry = resolve(root, 'client/index.ts');
    b.onResolve({ filter: /client\/index\.js$/ }, (a) =>
      resolve(a.resolveDir, a.path).replace(/\.js$/, '.ts') === entry ? { path: `./${SDK_FILE}`, external: true } : undefined);
    // Anything else from client/ or protocol/ would put a second copy of SDK code into the page.
    b.onResolve({ filter: /\/(client|protocol)\// }, (a) => {
      if (!a.importer.startsWith(resolve(root, 'web'))) return undefined;
      return { errors: [{ text: `the page may import only the SDK's entry point (client/index.js), not ${a.path}` }] };
    });
  },
};

/** app.js loads the 3D view (and three with it) as its own file, on demand; it is built as a second entry. */
const view3dIsSeparate = {
  name: 'view-3d-is-separate',
  setup(b) {
    b.onResolve({ filter: /room-view-3d\.js$/ }, (a) => (a.kind === 'dynamic-import' ? { path: `./${VIEW_3D_FILE}`, external: true } : undefined));
  },
};

// Built beside the target and swapped in with two renames, so a running `rtgw serve` (or a test)
// never finds the page half-written while someone rebuilds.
const staging = `${outdir}.building-${process.pid}`;
await rm(staging, { recursive: true, force: true });
await mkdir(staging, { recursive: true });
process.on('exit', (code) => {
  if (code !== 0) rmSync(staging, { recursive: true, force: true }); // a failed build leaves nothing behind
});
const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __RTGW_BUILD_FLAGS__: JSON.stringify(flags) },
};
await build({ ...common, entryPoints: [resolve(root, 'web/src/main.ts')], outfile: resolve(staging, 'app.js'), plugins: [sdkIsExternal, view3dIsSeparate] });
await build({ ...common, entryPoints: [resolve(root, 'web/src/room-view-3d.ts')], outfile: resolve(staging, VIEW_3D_FILE), plugins: [sdkIsExternal] });
await Promise.all([
  ...STATIC.map((f) => copyFile(resolve(root, 'web', f), resolve(staging, f))),
  copyFile(sdk, resolve(staging, SDK_FILE)),
  existsSync(`${sdk}.map`) ? copyFile(`${sdk}.map`, resolve(staging, `${SDK_FILE}.map`)) : undefined,
]);
const previous = `${outdir}.old-${process.pid}`;
if (existsSync(outdir)) await rename(outdir, previous);
await rename(staging, outdir);
await rm(previous, { recursive: true, force: true });

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
let raw = 0;
let gz = 0;
for (const file of ['app.js', VIEW_3D_FILE, SDK_FILE, ...STATIC]) {
  const code = await readFile(resolve(outdir, file));
  const z = gzipSync(code, { level: 9 }).length;
  raw += code.length;
  gz += z;
  console.log(`${relative(root, resolve(outdir, file)).padEnd(36)} ${kib(code.length).padStart(9)} raw ${kib(z).padStart(9)} gzip`);
}
console.log(`${`${relative(root, outdir)}/ (page total)`.padEnd(36)} ${kib(raw).padStart(9)} raw ${kib(gz).padStart(9)} gzip${Object.keys(flags).length ? `  flags: ${JSON.stringify(flags)}` : ''}`);
console.log(`  (${VIEW_3D_FILE} is three.js and the 3D view: loaded only where WebGL works; the 2D map needs none of it)`);
