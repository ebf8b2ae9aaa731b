/**
 * The demo page on the simulated provider, in real Chromium, with no gateway at all: the files
 * come from a plain HTTP server that has nothing but `staticRoute`. The provider is chosen by flag
 * only (`?provider=sim`, or REALTIME_PROVIDER=sim at build time); the page's code is the same.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { staticRoute } from '../../gateway/static.js';
import { buildPage, launchChromium, openWindow, pageErrors, screenshot, seriousA11yViolations, until } from './page-harness.js';

let browser: Browser;
let site: Awaited<ReturnType<typeof buildPage>>;
let simBuild: Awaited<ReturnType<typeof buildPage>>;
const servers: Server[] = [];
const windows: Page[] = [];

/** Static files only: no /rooms/join, no /realtime. Anything else is a 404. */
async function filesOnly(dir: string): Promise<string> {
  const route = staticRoute(dir);
  const server = createServer((req, res) => {
    void route(req, res, new URL(req.url ?? '/', 'http://localhost')).then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Opens `url`, recording every request and WebSocket the page makes. */
async function open(url: string): Promise<{ page: Page; requests: string[]; sockets: string[] }> {
  const requests: string[] = [];
  const sockets: string[] = [];
  const page = await openWindow(browser, url, {
    beforeLoad: (p) => {
      p.on('request', (r) => requests.push(r.url()));
      p.on('websocket', (ws) => sockets.push(ws.url()));
    },
  });
  windows.push(page);
  return { page, requests, sockets };
}

beforeAll(async () => {
  [site, simBuild, browser] = await Promise.all([buildPage(), buildPage({ REALTIME_PROVIDER: 'sim' }), launchChromium()]);
}, 60_000);

afterEach(async () => {
  await Promise.all(windows.splice(0).map((w) => w.context().close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  for (const s of servers) s.close();
  await site?.remove();
  await simBuild?.remove();
});

describe('the demo page on the simulated provider', () => {
  it('?provider=sim shows simulated members walking and chatting, with no gateway and no network besides the page itself', async () => {
    const origin = await filesOnly(site.dir);
    const { page, requests, sockets } = await open(`${origin}/?provider=sim&room=offline-demo&name=Solo`);

    const s = await until(page, 'simulated room joined', (x) => x.status === 'connected' && x.members.length === 4, null);
    expect(s.provider).toBe('sim');
    expect(await page.getByRole('status').innerText()).toBe('Connected (simulated)');
    expect(await page.locator('#provider-badge').innerText()).toBe('Provider: simulation (no network)');
    expect(await page.getByRole('list', { name: 'Members' }).getByRole('listitem').count()).toBe(4);

    // The simulated members walk: someone's drawn avatar leaves where it first stood.
    const first = await until(page, 'simulated avatars drawn', (x) => x.members.every((m) => m.avatar !== null), null);
    const start = Object.fromEntries(first.members.filter((m) => !m.self).map((m) => [m.userId, m.avatar!]));
    await until(page, 'a simulated member walks', (x, st) => x.members.some((m) => {
      const a = st[m.userId];
      return !!a && !!m.avatar && Math.hypot(m.avatar.x - a.x, m.avatar.z - a.z) > 0.5;
    }), start);

    // This user walks and chats as with the gateway.
    await page.keyboard.down('ArrowLeft');
    await until(page, 'walked left', (x, x0) => x.self!.x < x0 - 1, s.self!.x);
    await page.keyboard.up('ArrowLeft');
    const box = page.getByLabel('Message', { exact: true });
    await box.fill('anyone here?');
    await box.press('Enter');
    await until(page, 'own message echoed', (x) => x.chat.some((c) => c.displayName === 'Solo' && c.text === 'anyone here?'), null);

    expect(sockets).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(`${origin}/`))).toEqual([]);
    expect(requests.filter((u) => u.includes('/rooms/join'))).toEqual([]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'sim-provider');
  });

  it('a page built with REALTIME_PROVIDER=sim runs on the simulation without any URL flag; ?provider=ws still picks the gateway', async () => {
    const origin = await filesOnly(simBuild.dir);
    expect(simBuild.stdout).toContain('flags: {"REALTIME_PROVIDER":"sim"}');
    const { page, sockets } = await open(`${origin}/`);
    expect(await page.locator('#provider-badge').innerText()).toBe('Provider: simulation (no network)');
    await page.getByLabel('Display name').fill('Flagged');
    await page.getByRole('button', { name: 'Join room' }).click();
    const s = await until(page, 'joined the simulation', (x) => x.status === 'connected', null);
    expect(s).toMatchObject({ provider: 'sim', roomId: 'lobby' });
    expect(sockets).toEqual([]);

    const { page: wsPage } = await open(`${origin}/?provider=ws`);
    expect(await wsPage.locator('#provider-badge').innerText()).toBe('Provider: gateway (WebSocket)');
  });

  it('on a phone-sized touch screen the page fits the width, the move buttons are at least 44 px, and a tap takes a step', async () => {
    const origin = await filesOnly(site.dir);
    const page = await openWindow(browser, `${origin}/?provider=sim&room=phone&name=Mo&device=mobile`, {
      viewport: { width: 390, height: 844 }, hasTouch: true,
    });
    windows.push(page);
    const s = await until(page, 'joined on a phone', (x) => x.status === 'connected' && x.self?.device === 'mobile', null);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const name of ['Move up', 'Move left', 'Move down', 'Move right']) {
      const box = (await page.getByRole('button', { name }).boundingBox())!;
      expect(Math.min(box.width, box.height), name).toBeGreaterThanOrEqual(44);
    }
    const down = (await page.getByRole('button', { name: 'Move down' }).boundingBox())!;
    await page.touchscreen.tap(down.x + down.width / 2, down.y + down.height / 2);
    await until(page, 'a tap takes a half-metre step', (x, z0) => x.self!.z >= z0 + 0.5, s.self!.z);
    await screenshot(page, 'sim-phone');
  });

  it('an unknown provider flag is reported by name on the form instead of silently falling back', async () => {
    const origin = await filesOnly(site.dir);
    const { page } = await open(`${origin}/?provider=carrier-pigeon&room=r1&name=Pat`);
    await page.getByText('REALTIME_PROVIDER must be "ws" or "sim" (got "carrier-pigeon")').waitFor();
    expect(await page.locator('#join').isVisible()).toBe(true);
    expect(await page.evaluate(() => window.__rtgw.provider)).toBeNull();
  });
});
