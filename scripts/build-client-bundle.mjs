#!/usr/bin/env node
/**
 * Browser bundle of the client SDK: one minified ESM file, dist/client/rtgw-client.browser.js.
 * It uses the global WebSocket and fetch; `ws` is never bundled (client/websocket.ts only loads it
 * in Node, through a specifier bundlers do not follow). Prints the size, raw and gzipped.
 *
 *   node scripts/build-client-bundle.mjs [--outfile path] [--metafile]
 */
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--outfile');
const outfile = resolve(root, outIndex >= 0 ? args[outIndex + 1] : 'dist/client/rtgw-client.browser.js');

/**
 * protocol/messages.ts only builds zod schemas at load time. The SDK uses its types, not its
 * schemas, at run time; saying the module has no side effects lets esbuild drop it, and zod with it.
 */
const protocolSchemasArePure = {
  name: 'protocol-schemas-are-pure',
  setup(b) {
    b.onResolve({ filter: /\/messages\.js$/ }, (args) => {
      if (!args.importer.includes(`${resolve(root, 'protocol')}`)) return undefined;
      return { path: resolve(root, 'protocol/messages.ts'), sideEffects: false };
    });
  },
};

await mkdir(dirname(outfile), { recursive: true });
const result = await build({
  entryPoints: [resolve(root, 'client/index.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [protocolSchemasArePure],
});

const code = await readFile(outfile);
const gz = gzipSync(code, { level: 9 });
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`${relative(root, outfile)}: ${kib(code.length)} raw, ${kib(gz.length)} gzip (${code.length} / ${gz.length} bytes)`);
if (args.includes('--metafile')) {
  await writeFile(`${outfile}.meta.json`, JSON.stringify(result.metafile));
  const inputs = Object.entries(result.metafile.outputs[relative(process.cwd(), outfile)]?.inputs ?? {})
    .sort(([, a], [, b]) => b.bytesInOutput - a.bytesInOutput)
    .slice(0, 12);
  for (const [file, info] of inputs) console.log(`  ${kib(info.bytesInOutput).padStart(10)}  ${file}`);
}
