/**
 * The demo page's 3D view in real Chromium (WebGL 2 through SwiftShader, the software renderer),
 * and its 2D fallback in a Chromium without WebGL. Two people on one in-process gateway; every
 * assertion reads what the page reports (`window.__rtgw`: which view drew, where each avatar was
 * drawn, the text description) or what a person or assistive technology gets (roles, names,
 * axe-core), plus pixels only to show the 3D canvas really changes when someone walks.
 */
import { copyFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/index.js';
import { staticRoute } from '../../gateway/static.js';
import { startTestGateway } from '../helpers/gateway.js';
import {
  buildPage, composite, launchChromium, openWindow, pageErrors, screenshot, seriousA11yViolations, snapshot, until, type PageSnapshot,
} from './page-harness.js';

let webgl: Browser;
let noWebgl: Browser;
let site: Awaited<ReturnType<typeof buildPage>>;
let gateway: Gateway;
const windows: Page[] = [];
let rooms = 0;
const newRoom = () => `view3d-${process.pid}-${++rooms}`;
/** Loading three.js and starting SwiftShader takes seconds on a busy 2-core machine: the first 3D frame may wait this long. */
const LOADING_MS = 40_000;

beforeAll(async () => {
  [site, webgl, noWebgl] = await Promise.all([buildPage(), launchChromium({ webgl: true }), launchChromium()]);
  gateway = await startTestGateway();
  gateway.addRoute(staticRoute(site.dir));
}, 60_000);

afterEach(async () => {
  await Promise.all(windows.splice(0).map((w) => w.context().close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await Promise.all([webgl?.close(), noWebgl?.close()]);
  await gateway?.close({ drainMs: 0 });
  await site?.remove();
});

async function open(browser: Browser, url: string): Promise<Page> {
  const page = await openWindow(browser, url, { viewport: { width: 1100, height: 760 } });
  windows.push(page);
  return page;
}

/** Both members drawn, in the view `kind`. */
const bothDrawnIn = (s: PageSnapshot, kind: string) => s.view === kind && s.members.length === 2 && s.members.every((m) => m.avatar !== null);

async function pair(browser: Browser, room: string, bobExtra = ''): Promise<{ ada: Page; bob: Page }> {
  const [ada, bob] = await Promise.all([
    open(browser, `${gateway.url}/?room=${room}&name=Ada`),
    open(browser, `${gateway.url}/?room=${room}&name=Bob${bobExtra}`),
  ]);
  return { ada: ada!, bob: bob! };
}

const drawnAt = (s: PageSnapshot, userId: string) => s.members.find((m) => m.userId === userId)?.avatar ?? null;

describe('the 3D view', { timeout: 90_000 }, () => {
  it('two pages on one gateway both draw the room in 3D with both avatars; walking in one moves that avatar in the other; the debug overlay shows the latency', async () => {
    const { ada, bob } = await pair(webgl, 'lobby', '&debug=1'); // "lobby": its screenshot is the README's (Bob's with the overlay)
    for (const page of [ada, bob]) {
      const s = await until(page, '3D view with both avatars', (x) => x.status === 'connected' && x.view === '3d' && x.members.length === 2 && x.members.every((m) => m.avatar !== null), null, LOADING_MS);
      expect(s.webgl).toBe('available');
      await expect(page.getByRole('img', { name: '3D view of the room' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('img', { name: 'Map of the room from above' }).isVisible()).resolves.toBe(false);
      await expect(page.getByRole('button', { name: '3D view' }).getAttribute('aria-pressed')).resolves.toBe('true');
    }
    const adaId = (await snapshot(ada)).self!.userId;
    const start = (await snapshot(ada)).self!;
    const canvas = bob.locator('#room-view-3d');
    const before = await canvas.screenshot();

    await ada.keyboard.down('KeyD');
    await until(ada, 'Ada walked 2 m right', (s, x) => s.self!.x >= x + 2, start.x);
    await ada.keyboard.up('KeyD');
    const end = (await snapshot(ada)).self!;
    const seen = await until(bob, "Bob's 3D view draws Ada where she stopped", (s, a) => {
      const m = s.members.find((x) => x.userId === a.id);
      return s.view === '3d' && !!m?.avatar && Math.abs(m.avatar.x - a.x) < 0.01 && Math.abs(m.avatar.z - a.z) < 0.01;
    }, { id: adaId, x: end.x, z: end.z });
    expect(drawnAt(seen, adaId)!.yaw).toBeCloseTo(Math.PI / 2, 2); // facing +x, the way she walked
    expect(Buffer.compare(before, await canvas.screenshot())).not.toBe(0); // the WebGL canvas really redrew
    expect(seen.description).toMatch(/^Bob \(you\): .*\. Ada: .*, facing east\.$/);
    // The DOM text mirrors the page's description; read both together (the avatar may still settle).
    await expect
      .poll(async () => {
        const [text, now] = await Promise.all([bob.locator('#room-description').textContent(), snapshot(bob)]);
        return text === now.description;
      }, { timeout: 10_000 })
      .toBe(true);

    // The overlay: Bob's page measured Ada's walk from the gateway to its canvas; Ada's, her key to the wire.
    const measured = await until(bob, 'a remote move measured', (s) => s.latency.gatewayToDrawn.n >= 1, null);
    expect(measured.latency.gatewayToDrawn.p50!).toBeGreaterThanOrEqual(0);
    expect(measured.latency.gatewayToDrawn.p95!).toBeLessThan(1000);
    await until(bob, 'the overlay shows it', () => /gateway → drawn \(others\): p50 \d+ ms/.test(document.getElementById('debug-overlay')!.textContent ?? ''), null);
    expect((await snapshot(ada)).latency.keyToSent.n).toBeGreaterThanOrEqual(1);

    const shots = [await screenshot(ada, 'demo-3d-ada'), await screenshot(bob, 'demo-3d-bob')];
    const both = await composite(webgl, shots, ['Ada’s window (3D view)', 'Bob’s window (3D view)'], 'demo-3d-two-windows');
    if (process.env.RTGW_UPDATE_README_SHOT) await copyFile(both, fileURLToPath(new URL('../../docs/demo-3d.png', import.meta.url)));
  });

  it('the toggle switches to the 2D map and back; the page is axe-core clean in both views', async () => {
    const { ada, bob } = await pair(webgl, newRoom());
    await until(ada, 'Ada in 3D with both', bothDrawnIn, '3d', LOADING_MS);
    await until(bob, 'Bob in 3D with both', bothDrawnIn, '3d', LOADING_MS);
    expect(await seriousA11yViolations(ada)).toEqual([]);

    const toggle = ada.getByRole('button', { name: '3D view' });
    await toggle.click();
    const flat = await until(ada, 'the map draws both', bothDrawnIn, '2d');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await expect(ada.getByRole('img', { name: 'Map of the room from above' }).isVisible()).resolves.toBe(true);
    await expect(ada.getByRole('img', { name: '3D view of the room' }).isVisible()).resolves.toBe(false);
    expect(flat.description).toContain('Ada (you):');
    expect(await seriousA11yViolations(ada)).toEqual([]);

    // Movement still shows on the other page whichever view this one uses.
    const adaId = flat.self!.userId;
    await ada.keyboard.down('ArrowDown');
    await until(ada, 'Ada walked 1 m down', (s, z) => s.self!.z >= z + 1, flat.self!.z);
    await ada.keyboard.up('ArrowDown');
    const end = (await snapshot(ada)).self!;
    await until(bob, "Bob's 3D view draws Ada's walk", (s, a) => {
      const m = s.members.find((x) => x.userId === a.id);
      return s.view === '3d' && !!m?.avatar && Math.abs(m.avatar.z - a.z) < 0.01;
    }, { id: adaId, z: end.z });

    await toggle.press('Enter');
    await until(ada, 'back in 3D', bothDrawnIn, '3d');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
  });

  it('?view=2d starts on the map where WebGL works', async () => {
    const page = await open(webgl, `${gateway.url}/?room=${newRoom()}&name=Flat&view=2d`);
    const s = await until(page, 'joined on the map', (x) => x.status === 'connected' && x.webgl === 'available' && x.members.length === 1 && x.members[0]!.avatar !== null, null);
    expect(s.view).toBe('2d');
    expect(await page.getByRole('button', { name: '3D view' }).isEnabled()).toBe(true);
  });

  it('the simulated provider (?provider=sim) works in the 3D view: simulated members are drawn and walk', async () => {
    const page = await open(webgl, `${gateway.url}/?provider=sim&room=offline&name=Solo`);
    const first = await until(page, 'simulated room in 3D', (x) => x.provider === 'sim' && x.view === '3d' && x.members.length === 4 && x.members.every((m) => m.avatar !== null), null, LOADING_MS);
    const start = Object.fromEntries(first.members.filter((m) => !m.self).map((m) => [m.userId, m.avatar!]));
    await until(page, 'a simulated member walks in 3D', (x, st) => x.view === '3d' && x.members.some((m) => {
      const a = st[m.userId];
      return !!a && !!m.avatar && Math.hypot(m.avatar.x - a.x, m.avatar.z - a.z) > 0.5;
    }), start);
    expect(await page.locator('#provider-badge').innerText()).toBe('Provider: simulation (no network)');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});

describe('without WebGL', { timeout: 60_000 }, () => {
  it('the page falls back to the 2D map, says why, disables the toggle, and stays axe-core clean', async () => {
    const room = newRoom();
    const { ada, bob } = await pair(noWebgl, room);
    await until(ada, 'map with both avatars', (x) => x.webgl === 'unavailable' && x.view === '2d' && x.members.length === 2 && x.members.every((m) => m.avatar !== null), null);
    // The description is refreshed twice a second, not every frame.
    const s = await until(ada, 'the description names both', (x) => x.description.includes('Bob:'), null);
    await until(bob, 'Bob too', bothDrawnIn, '2d');
    await expect(ada.getByRole('img', { name: 'Map of the room from above' }).isVisible()).resolves.toBe(true);
    expect(await ada.getByRole('button', { name: '3D view' }).isDisabled()).toBe(true);
    expect(await ada.locator('#view-note').innerText()).toBe('3D view unavailable: this browser has no WebGL 2. Showing the map.');
    expect(s.description).toMatch(/^Ada \(you\): .*\. Bob: .*\.$/);
    expect(await seriousA11yViolations(ada)).toEqual([]);
    // three.js is never downloaded where it cannot run.
    expect(await ada.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('room-view-3d')))).toEqual([]);
  });
});
