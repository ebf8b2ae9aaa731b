/**
 * The demo page in real Chromium (headless, the system's /usr/bin/chromium), served by an
 * in-process gateway through `staticRoute`: two people in two browser contexts, one room. Every
 * assertion reads what the page shows: the accessible member list, chat log, status and alerts,
 * and `window.__rtgw` (where each avatar was drawn), never pixels. Screenshots go to
 * test-results/web/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/index.js';
import { staticRoute } from '../../gateway/static.js';
import { startTestGateway } from '../helpers/gateway.js';
import {
  buildPage, composite, launchChromium, openWindow, pageErrors, screenshot, seriousA11yViolations, snapshot, until,
} from './page-harness.js';

let browser: Browser;
let site: Awaited<ReturnType<typeof buildPage>>;
let gateway: Gateway;
const windows: Page[] = [];
let rooms = 0;

async function serve(port = 0): Promise<Gateway> {
  const g = await startTestGateway({ port });
  g.addRoute(staticRoute(site.dir));
  return g;
}

beforeAll(async () => {
  [site, browser] = await Promise.all([buildPage(), launchChromium()]);
  gateway = await serve();
}, 60_000);

afterEach(async () => {
  await Promise.all(windows.splice(0).map((w) => w.context().close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close({ drainMs: 0 });
  await site?.remove();
});

const newRoom = () => `demo-${process.pid}-${++rooms}`;

async function open(url: string, beforeLoad?: (page: Page) => void): Promise<Page> {
  const page = await openWindow(browser, url, { beforeLoad });
  windows.push(page);
  return page;
}

/** A window opened on a shared link (`?room=…&name=…` joins at once), connected. */
async function joinByLink(gw: Gateway, name: string, room: string, extra = ''): Promise<Page> {
  const page = await open(`${gw.url}/?room=${room}&name=${encodeURIComponent(name)}${extra}`);
  await until(page, `${name} connected`, (s) => s.status === 'connected', null);
  return page;
}

/** Ada and Bob in one room, each seeing the other. */
async function pair(gw: Gateway = gateway, room = newRoom()): Promise<{ ada: Page; bob: Page; room: string }> {
  const [ada, bob] = await Promise.all([joinByLink(gw, 'Ada', room), joinByLink(gw, 'Bob', room, '&device=mobile')]);
  await Promise.all([ada, bob].map((p) => until(p, 'both members listed', (s) => s.members.length === 2, null)));
  return { ada, bob, room };
}

const memberItems = (page: Page) => page.getByRole('list', { name: 'Members' }).getByRole('listitem').allTextContents();
const selfId = async (page: Page) => (await snapshot(page)).self!.userId;

async function sendChat(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

describe('two people in one room, each in a browser', () => {
  it('joins from the form by keyboard alone; both see each other in the Members list; nothing is fetched from elsewhere', async () => {
    const room = newRoom();
    const requests: string[] = [];
    const ada = await open(`${gateway.url}/`, (page) => {
      page.on('request', (r) => requests.push(r.url()));
      page.on('websocket', (ws) => requests.push(ws.url()));
    });

    // The form by keyboard: Tab into the name, the room, the device radios, then the button.
    await ada.keyboard.press('Tab');
    expect(await ada.evaluate(() => document.activeElement?.id)).toBe('name-input');
    await ada.keyboard.type('Ada');
    await ada.keyboard.press('Tab');
    await ada.keyboard.press('ControlOrMeta+A');
    await ada.keyboard.type(room);
    await ada.keyboard.press('Tab');
    await ada.keyboard.press('ArrowRight'); // desktop -> mobile
    await ada.keyboard.press('Tab');
    expect(await ada.evaluate(() => document.activeElement?.id)).toBe('join-button');
    await ada.keyboard.press('Enter');

    const joined = await until(ada, 'Ada connected', (s) => s.status === 'connected', null);
    expect(joined).toMatchObject({ provider: 'ws', roomId: room, self: { displayName: 'Ada', device: 'mobile' } });
    expect(joined.self!.userId).toMatch(/^ada-[a-z0-9]{6}$/);
    expect(await ada.getByRole('status').innerText()).toBe('Connected');
    expect(await ada.evaluate(() => document.activeElement?.id)).toBe('room-heading');

    const bob = await joinByLink(gateway, 'Bob', room);
    await until(ada, 'Ada lists Bob', (s) => s.members.length === 2, null);
    await until(bob, 'Bob lists Ada', (s) => s.members.length === 2, null);
    expect((await memberItems(ada)).sort()).toEqual(['Ada (you) · mobile', 'Bob · desktop']);
    expect((await memberItems(bob)).sort()).toEqual(['Ada · mobile', 'Bob (you) · desktop']);

    // Page, script, styles, icon, SDK bundle, token and WebSocket: all from the gateway's origin.
    const host = new URL(gateway.url).host;
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(requests.filter((u) => new URL(u).host !== host)).toEqual([]);
    expect(requests.some((u) => u.endsWith('/rtgw-client.browser.js'))).toBe(true);
    expect(requests.some((u) => u.startsWith('ws://') && u.endsWith('/realtime'))).toBe(true);
  });

  it("walking with WASD and holding the on-screen buttons moves that avatar on the other person's page, smoothly and facing the way it walks", async () => {
    const { ada, bob } = await pair(gateway, 'lobby'); // the one test in "lobby": its screenshots are the README's
    const adaId = await selfId(ada);
    const bobId = await selfId(bob);
    const start = (await snapshot(ada)).self!;
    await until(bob, "Bob draws Ada where she stands", (s, a) => {
      const m = s.members.find((x) => x.userId === a.id);
      return !!m?.avatar && Math.abs(m.avatar.x - a.x) < 0.01 && Math.abs(m.avatar.z - a.z) < 0.01;
    }, { id: adaId, x: start.x, z: start.z });

    // Interpolated, not jumping: some frame on Bob's page draws Ada partway along her walk.
    const midway = until(bob, 'Bob draws Ada partway', (s, a) => {
      const m = s.members.find((x) => x.userId === a.id);
      return !!m?.avatar && m.avatar.x > a.x + 0.3 && m.avatar.x < a.x + 1.7;
    }, { id: adaId, x: start.x });
    await ada.keyboard.down('KeyD');
    await until(ada, 'Ada walked 2 m right', (s, x) => s.self!.x >= x + 2, start.x);
    await ada.keyboard.up('KeyD');
    await midway;
    const end = (await snapshot(ada)).self!;
    expect(end.yaw).toBeCloseTo(Math.PI / 2, 3); // facing +x
    const seen = await until(bob, "Ada's avatar arrives on Bob's page", (s, a) => {
      const m = s.members.find((x) => x.userId === a.id);
      return !!m?.avatar && Math.abs(m.avatar.x - a.x) < 0.01 && Math.abs(m.avatar.z - a.z) < 0.01;
    }, { id: adaId, x: end.x, z: end.z });
    expect(seen.members.find((m) => m.userId === adaId)!.avatar!.yaw).toBeCloseTo(Math.PI / 2, 2);

    // Touch-style: hold "Move up" with the pointer; Ada sees Bob walk up (-z), facing up.
    const bobStart = (await snapshot(bob)).self!;
    const up = await bob.getByRole('button', { name: 'Move up' }).boundingBox();
    await bob.mouse.move(up!.x + up!.width / 2, up!.y + up!.height / 2);
    await bob.mouse.down();
    await until(bob, 'Bob walked 1 m up', (s, z) => s.self!.z <= z - 1, bobStart.z);
    await bob.mouse.up();
    const bobEnd = (await snapshot(bob)).self!;
    const adaSees = await until(ada, "Bob's avatar arrives on Ada's page", (s, a) => {
      const m = s.members.find((x) => x.userId === a.id);
      return !!m?.avatar && Math.abs(m.avatar.z - a.z) < 0.01;
    }, { id: bobId, z: bobEnd.z });
    expect(Math.abs(adaSees.members.find((m) => m.userId === bobId)!.avatar!.yaw)).toBeCloseTo(Math.PI, 2);

    // Keyboard on an on-screen button: Enter takes one half-metre step.
    await bob.getByRole('button', { name: 'Move left' }).press('Enter');
    await until(bob, 'Bob stepped 0.5 m left', (s, x) => Math.abs(s.self!.x - (x - 0.5)) < 1e-6, bobEnd.x);

    await sendChat(ada, 'Hi Bob! Walk over here.');
    await until(bob, 'chat arrived', (s) => s.chat.length === 1, null);
    await sendChat(bob, 'On my way!');
    await until(ada, 'reply arrived', (s) => s.chat.length === 2, null);
    const shots = [await screenshot(ada, 'demo-ada'), await screenshot(bob, 'demo-bob')];
    await composite(browser, shots, ['Ada’s window', 'Bob’s window'], 'demo-two-windows');
  });

  it('chat goes both ways; the box counts toward 240 while typing; an over-long message is refused with its reason and not delivered', async () => {
    const { ada, bob } = await pair();
    await sendChat(ada, 'hello from Ada');
    await until(bob, 'Bob reads Ada', (s) => s.chat.some((c) => c.displayName === 'Ada' && c.text === 'hello from Ada'), null);
    await sendChat(bob, 'hi Ada, Bob here');
    await until(ada, 'Ada reads Bob', (s) => s.chat.some((c) => c.displayName === 'Bob' && c.text === 'hi Ada, Bob here'), null);
    await until(bob, 'Bob sees his own message', (s) => s.chat.length === 2, null);
    expect(await ada.getByRole('log', { name: 'Chat' }).innerText()).toMatch(/Ada \(you\): hello from Ada[\s\S]*Bob: hi Ada, Bob here/);

    const box = ada.getByLabel('Message', { exact: true });
    await box.pressSequentially('four');
    expect(await ada.locator('#chat-count').innerText()).toBe('4 / 240 characters');
    await box.fill('x'.repeat(241));
    expect(await ada.locator('#chat-count').innerText()).toBe('241 / 240 characters: 1 too many');
    await box.press('Enter');
    await ada.getByText('Not sent: messages can be at most 240 characters.').waitFor();
    expect(await box.inputValue()).toHaveLength(241); // kept, to shorten
    expect(await box.getAttribute('aria-invalid')).toBe('true');

    await sendChat(ada, 'x'.repeat(240));
    await until(bob, 'a 240-character message is delivered', (s) => s.chat.some((c) => c.text.length === 240), null);
    expect((await snapshot(bob)).chat.map((c) => c.text.length)).toEqual([14, 16, 240]);
  });

  it('a sixth message within ten seconds is refused by the gateway and a rate-limit alert says so', async () => {
    const page = await joinByLink(gateway, 'Cleo', newRoom());
    for (let i = 1; i <= 6; i++) await sendChat(page, `message ${i}`);
    await until(page, 'rate-limit toast', (x) => x.toasts.some((t) => t.key === 'rate-chat'), null);
    const s = await until(page, 'five delivered', (x) => x.chat.length === 5, null);
    expect(s.chat.map((c) => c.text)).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5']);
    expect(await page.getByRole('alert').filter({ hasText: 'Rate limit' }).innerText()).toMatch(/^Rate limit: Too many messages; try again in \d+ s\./);
    await page.getByText(/^Not sent: too many messages\. Try again in \d+ s\.$/).waitFor();
  });

  it('stopping the gateway turns the status to reconnecting with an alert; starting it again on the same port brings both back, connected', async () => {
    let gw = await serve();
    const { ada, bob } = await pair(gw);
    const port = gw.port;
    await gw.close({ drainMs: 0 });

    for (const page of [ada, bob]) {
      await until(page, 'reconnecting shown', (s) => s.status === 'reconnecting' || s.status === 'offline', null);
      expect(await page.getByRole('status').innerText()).toMatch(/^(Reconnecting…|Offline)$/);
      await page.getByRole('alert').filter({ hasText: 'Connection lost. Reconnecting…' }).waitFor();
    }
    await screenshot(ada, 'reconnecting-ada');

    gw = await serve(port);
    try {
      for (const page of [ada, bob]) {
        const back = await until(page, 'connected again with both members', (s) => s.status === 'connected' && s.members.length === 2, null, 25_000);
        expect(back.toasts.find((t) => t.key === 'connection')?.text).toMatch(/^Reconnected after \d+\.\d s\.$/);
        expect(await page.getByRole('status').innerText()).toBe('Connected');
      }
      // The session goes on: chat after the restart reaches the other side.
      await sendChat(bob, 'back again');
      await until(ada, 'chat after the restart', (s) => s.chat.some((c) => c.text === 'back again'), null);
    } finally {
      await Promise.all(windows.splice(0).map((w) => w.context().close()));
      await gw.close({ drainMs: 0 });
    }
  });

  it('axe-core finds no serious or critical violations on the join form, nor in the room with members, chat, a refusal and an alert', async () => {
    const form = await open(`${gateway.url}/`);
    expect(await seriousA11yViolations(form)).toEqual([]);
    await screenshot(form, 'join-form');

    const { ada } = await pair();
    for (let i = 1; i <= 6; i++) await sendChat(ada, `line ${i}`);
    await until(ada, 'an alert on screen', (s) => s.toasts.length > 0, null);
    await ada.getByLabel('Message', { exact: true }).fill('y'.repeat(250));
    await ada.getByText(/longer than 240 characters/).waitFor();
    expect(await seriousA11yViolations(ada)).toEqual([]);
  });
});
