/**
 * Harness for the demo page's browser tests: the page built from the sources into a temporary
 * directory (so a test never runs stale assets), the system Chromium driven by playwright-core
 * (never a downloaded browser), the page's `window.__rtgw` snapshot, axe-core, and screenshots
 * under test-results/web/.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PageSnapshot } from '../../web/src/page-snapshot.js';

export type { PageSnapshot };

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOT_DIR = join(root, 'test-results', 'web');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Builds the SDK bundle and the page into a fresh directory, as `npm run build` does into dist/web.
 * `env` adds build-time flags (REALTIME_PROVIDER=sim). Returns the directory; `remove()` deletes it.
 */
export async function buildPage(env: Record<string, string> = {}): Promise<{ dir: string; stdout: string; remove(): Promise<void> }> {
  const tmp = await mkdtemp(join(tmpdir(), 'rtgw-web-'));
  const sdk = join(tmp, 'sdk', 'rtgw-client.browser.js');
  const dir = join(tmp, 'web');
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(REALTIME_|USE_MOCK_REALTIME)/.test(k)));
  await run(process.execPath, [join(root, 'scripts/build-client-bundle.mjs'), '--outfile', sdk], { cwd: root });
  const { stdout } = await run(process.execPath, [join(root, 'scripts/build-web.mjs'), '--outdir', dir, '--sdk', sdk], { cwd: root, env: { ...clean, ...env } });
  return { dir, stdout, remove: () => rm(tmp, { recursive: true, force: true }) };
}

/**
 * One headless Chromium per test file; the flags keep it off this machine's (closed) network.
 * `webgl: true` gives it WebGL 2 through SwiftShader (Chromium's software renderer), so the page
 * draws its 3D view; without it (`--disable-gpu` alone) the page has no WebGL and shows the 2D map.
 */
export async function launchChromium(options: { webgl?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH; .ci/run does this`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(options.webgl ? ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] : ['--disable-gpu', '--disable-3d-apis']),
    ],
  });
}

/** Uncaught errors of every page opened (a test checks it is empty: an error is a failure, not a detail of a screenshot). */
export const pageErrors: string[] = [];

/** A new window (its own context: cookies and sessionStorage of its own, like another person's browser). */
export async function openWindow(
  browser: Browser,
  url: string,
  options: { viewport?: { width: number; height: number }; hasTouch?: boolean; beforeLoad?: (page: Page) => void } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 }, hasTouch: options.hasTouch ?? false });
  const page = await context.newPage();
  options.beforeLoad?.(page);
  page.on('pageerror', (err) => pageErrors.push(`${url}: ${err.message}`));
  await page.goto(url);
  return page;
}

export function snapshot(page: Page): Promise<PageSnapshot> {
  return page.evaluate(() => window.__rtgw);
}

/**
 * Resolves once the page's snapshot satisfies `predicate` (checked on every animation frame; no
 * sleeps). `predicate` runs in the page: it may use only its two parameters (`arg` must be JSON).
 * On timeout, the error says what was awaited and shows the last snapshot.
 */
export async function until<A>(page: Page, what: string, predicate: (s: PageSnapshot, arg: A) => boolean, arg: A, timeout = 15_000): Promise<PageSnapshot> {
  try {
    // Playwright sends a function's source through the DevTools protocol; a string would be
    // eval'ed by the page while polling, which the page's CSP (rightly) forbids.
    const inPage = new Function('arg', `return (${predicate.toString()})(window.__rtgw, arg);`) as (arg: unknown) => boolean;
    await page.waitForFunction(inPage, arg as unknown, { timeout });
  } catch (err) {
    const last = await snapshot(page).catch(() => undefined);
    throw new Error(`${what}: not within ${timeout} ms (${(err as Error).message.split('\n')[0]})\nlast snapshot: ${JSON.stringify(last, null, 1)}`);
  }
  return snapshot(page);
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousA11yViolations(page: Page): Promise<Array<{ id: string; impact: string; help: string; targets: string[] }>> {
  const source = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Screenshots side by side with captions, as one image (the README's picture of two windows). */
export async function composite(browser: Browser, files: string[], captions: string[], name: string): Promise<string> {
  const images = await Promise.all(files.map((f) => readFile(f)));
  const context = await browser.newContext({ viewport: { width: 1640, height: 400 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    const figures = images.map((png, i) => `<figure><figcaption>${captions[i]}</figcaption><img alt="" src="data:image/png;base64,${png.toString('base64')}"></figure>`);
    await page.setContent(`<!doctype html><style>
      body { margin: 0; padding: 16px; display: flex; gap: 16px; background: #c9d1dc; font: 600 17px system-ui, sans-serif; color: #1d232b; }
      figure { margin: 0; flex: 1; } figcaption { margin: 0 0 8px 4px; }
      img { width: 100%; display: block; border-radius: 8px; box-shadow: 0 6px 18px rgba(0,0,0,.25); }
    </style>${figures.join('')}`);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  } finally {
    await context.close();
  }
}
