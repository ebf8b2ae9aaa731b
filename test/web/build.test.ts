/**
 * How the demo page is built and shipped: scripts/build-web.mjs (run by `npm run build`, hence by
 * `npm install`) and `rtgw serve` serving the result at `/`.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway.js';
import { buildPage } from './page-harness.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(() => Promise.all(cleanups.map((c) => c())));

describe('scripts/build-web.mjs', () => {
  it('builds the page next to the SDK bundle it imports and the 3D view (three.js) it loads on demand, self-contained, and reports sizes', async () => {
    const site = await buildPage();
    cleanups.push(site.remove);
    expect((await readdir(site.dir)).sort()).toEqual([
      'app.js', 'app.js.map', 'favicon.svg', 'index.html', 'room-view-3d.js', 'room-view-3d.js.map', 'rtgw-client.browser.js', 'rtgw-client.browser.js.map', 'styles.css',
    ]);
    const app = await readFile(join(site.dir, 'app.js'), 'utf8');
    // The page is built on the SDK's public entry point only, kept as a separate file; three.js is
    // not in app.js but in room-view-3d.js, which app.js imports only where WebGL works.
    const importsOf = (code: string) => [...new Set([...code.matchAll(/(?:from|import\()\s*"([^"]+)"/g)].map((m) => m[1]))].sort();
    expect(importsOf(app)).toEqual(['./room-view-3d.js', './rtgw-client.browser.js']);
    expect(app).toMatch(/import\("\.\/room-view-3d\.js"\)/);
    expect(app.length).toBeLessThan(40 * 1024);
    const view3d = await readFile(join(site.dir, 'room-view-3d.js'), 'utf8');
    expect(importsOf(view3d)).toEqual([]); // three is bundled in: nothing fetched from elsewhere
    expect(view3d).toContain('WebGLRenderer');
    expect(view3d.length).toBeLessThan(700 * 1024);
    // Nothing from elsewhere: no absolute URLs in what the browser loads.
    for (const file of ['index.html', 'styles.css', 'app.js', 'room-view-3d.js']) {
      // three.js names the XHTML namespace (for createElementNS): an identifier, never fetched.
      const code = (await readFile(join(site.dir, file), 'utf8')).replaceAll('"http://www.w3.org/1999/xhtml"', '""');
      expect(code, file).not.toMatch(/https?:\/\/|url\(\s*["']?\/\//);
    }
    expect(site.stdout).toMatch(/app\.js\s+[\d.]+ KiB raw\s+[\d.]+ KiB gzip/);
    expect(site.stdout).toMatch(/room-view-3d\.js\s+[\d.]+ KiB raw\s+[\d.]+ KiB gzip/);
    expect(site.stdout).toMatch(/\(page total\)/);
  });

  it('refuses a build-time REALTIME_PROVIDER it does not know, in one line', async () => {
    const err = await run(process.execPath, ['scripts/build-web.mjs', '--outdir', '.rtgw-tmp/never'], {
      cwd: root, env: { ...process.env, REALTIME_PROVIDER: 'carrier-pigeon' },
    }).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1, stderr: 'build-web: REALTIME_PROVIDER must be "ws" or "sim" (got "carrier-pigeon")\n' });
  });

  it('npm install builds it: prepare runs build when dist/ is stale, which bundles the SDK, then the page', async () => {
    const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // prepare builds unless dist/ is newer than every source (bin/build-if-stale.mjs), web/ and scripts/ included.
    expect(scripts.prepare).toMatch(/^node bin\/build-if-stale\.mjs\b/);
    const stale = await readFile(join(root, 'bin/build-if-stale.mjs'), 'utf8');
    expect(stale).toMatch(/npm run build|'run', 'build'/);
    expect(stale).toMatch(/INPUTS = \[[^\]]*'web'[^\]]*'scripts'/);
    expect(scripts.build).toMatch(/node scripts\/build-client-bundle\.mjs && node scripts\/build-web\.mjs$/);
  });
});

/** The first line `rtgw serve` printed that matches, waiting for more output as needed. */
async function printed(gw: GatewayProcess, pattern: RegExp): Promise<string> {
  for (;;) {
    const line = gw.output.find((l) => pattern.test(l));
    if (line !== undefined) return line;
    await once(gw.child.stdout!, 'data'); // after the harness's own reader has stored the lines
  }
}

describe('rtgw serve', () => {
  let gw: GatewayProcess | undefined;
  afterAll(() => gw?.stop());

  it('serves the built demo page at / and says where (needs npm run build, which npm test runs first)', async () => {
    gw = await spawnGateway(['--port', '0']);
    expect(await printed(gw, /^demo page: /)).toBe(`demo page: http://127.0.0.1:${gw.port}/`);
    const page = await fetch(`${gw.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>rtgw demo room</title>');
    for (const asset of ['app.js', 'rtgw-client.browser.js', 'styles.css']) expect((await fetch(`${gw.url}/${asset}`)).status, asset).toBe(200);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});
