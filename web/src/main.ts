/**
 * The demo page: a join form, then the room (3D view or map, member list, chat) on the client SDK.
 * This file wires index.html to the parts: launch-params (URL and flags), demo-session (the SDK),
 * view-switch (the 3D view, loaded where WebGL works, and the 2D map), room-description (who is
 * where, in words), member-list, chat-panel, toaster and feedback-text (connection feedback),
 * movement (keys and buttons), latency-meter (the debug overlay), page-snapshot (`window.__rtgw`)
 * and draw-trace (`window.__rtgwTrace`).
 */
import { resolveFlags, type ConnectionState, type Device } from '../../client/index.js';
import { ChatPanel } from './chat-panel.js';
import { DemoSession } from './demo-session.js';
import { byId } from './dom.js';
import { noticeToast, statusView } from './feedback-text.js';
import { inviteSearch, readLaunchParams, type Flags } from './launch-params.js';
import { MemberList } from './member-list.js';
import { DIRECTIONS, HeldDirections, directionForKey, type Direction } from './movement.js';
import { DrawTraceRecorder, epochMs } from './draw-trace.js';
import { LatencyMeter } from './latency-meter.js';
import { exposeSnapshot } from './page-snapshot.js';
import { describeRoom } from './room-description.js';
import { ViewSwitch } from './view-switch.js';
import { Toaster } from './toaster.js';
import { tabSuffix, userIdFor } from './user-id.js';

/** Flags baked in by scripts/build-web.mjs from the build's environment (REALTIME_PROVIDER, ...). */
declare const __RTGW_BUILD_FLAGS__: Flags;

const ui = {
  providerBadge: byId('provider-badge'),
  status: byId('status'),
  statusText: byId('status-text'),
  joinSection: byId('join'),
  joinForm: byId('join-form', HTMLFormElement),
  nameInput: byId('name-input', HTMLInputElement),
  roomInput: byId('room-input', HTMLInputElement),
  joinButton: byId('join-button', HTMLButtonElement),
  joinError: byId('join-error'),
  roomSection: byId('room'),
  roomHeading: byId('room-heading'),
  roomName: byId('room-name'),
  inviteLink: byId('invite-link', HTMLAnchorElement),
  leaveButton: byId('leave-button', HTMLButtonElement),
  description: byId('room-description'),
  debugOverlay: byId('debug-overlay'),
};

const params = readLaunchParams(location.search, typeof __RTGW_BUILD_FLAGS__ === 'object' ? __RTGW_BUILD_FLAGS__ : {});
const toaster = new Toaster(byId('toasts'));
const memberList = new MemberList(byId('member-list', HTMLUListElement), byId('member-count'));
const views = new ViewSwitch({
  map: byId('room-view', HTMLCanvasElement),
  canvas3d: byId('room-view-3d', HTMLCanvasElement),
  toggle: byId('view-toggle', HTMLButtonElement),
  note: byId('view-note'),
  overlay: byId('stage-overlay'),
}, params.view);
const meter = new LatencyMeter();
const trace = new DrawTraceRecorder();
let offTransforms: (() => void) | undefined;
const held = new HeldDirections();
const chat = new ChatPanel(
  {
    log: byId('chat-log'),
    form: byId('chat-form', HTMLFormElement),
    input: byId('chat-input', HTMLInputElement),
    count: byId('chat-count'),
    error: byId('chat-error'),
  },
  (text) => (session ? session.provider.sendChat(text) : Promise.reject(new Error('join a room first'))),
);

let session: DemoSession | null = null;
let connection: ConnectionState | null = null;

// ---------------------------------------------------------------- join form

ui.nameInput.value = params.name;
ui.roomInput.value = params.room || 'lobby';
const guessedDevice: Device = matchMedia('(pointer: coarse)').matches ? 'mobile' : 'desktop';
for (const radio of ui.joinForm.querySelectorAll<HTMLInputElement>('input[name="device"]')) {
  radio.checked = radio.value === (params.device ?? guessedDevice);
}
showProviderBadge();

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = ui.nameInput.value.trim();
  const room = ui.roomInput.value.trim();
  const device = (new FormData(ui.joinForm).get('device') === 'mobile' ? 'mobile' : 'desktop') satisfies Device;
  if (!name) return formError('Enter a display name.', ui.nameInput);
  if (!ui.roomInput.checkValidity() || !room) return formError('The room may use letters, digits and _ . : - (1 to 64).', ui.roomInput);
  void join(name, room, device);
});
ui.leaveButton.addEventListener('click', () => void leave());

function formError(message: string, field?: HTMLInputElement): void {
  ui.joinError.textContent = message;
  for (const input of [ui.nameInput, ui.roomInput]) input.toggleAttribute('aria-invalid', input === field);
  field?.focus();
}

function showProviderBadge(kind?: 'ws' | 'sim'): void {
  try {
    const provider = kind ?? resolveFlags({}, params.env).provider;
    ui.providerBadge.textContent = provider === 'sim' ? 'Provider: simulation (no network)' : 'Provider: gateway (WebSocket)';
    ui.providerBadge.dataset.provider = provider;
  } catch (err) {
    ui.providerBadge.textContent = 'Provider: invalid flag';
    formError((err as Error).message);
  }
}

// ---------------------------------------------------------------- the room

async function join(name: string, room: string, device: Device): Promise<void> {
  formError('');
  const previous = session;
  session = null;
  await previous?.leave();
  let s: DemoSession;
  try {
    const userId = userIdFor(name, tabSuffix(safeSessionStorage()));
    s = new DemoSession({ userId, displayName: name, device, roomId: room, url: location.origin, env: params.env }, {
      roomState: (snapshot) => {
        memberList.render(s.memberList(), s.selfId);
        for (const m of snapshot.chat) chat.add(m, s.selfId);
      },
      memberJoined: (m) => {
        memberList.render(s.memberList(), s.selfId);
        chat.note(`${m.displayName} joined.`);
      },
      memberLeft: (e, m) => {
        memberList.render(s.memberList(), s.selfId);
        chat.note(`${m?.displayName ?? e.userId} left${e.reason === 'left' ? '' : ` (${e.reason})`}.`);
      },
      chat: (m) => chat.add(m, s.selfId),
      connectionState: (state) => {
        if (session === s) setStatus(state);
      },
      notice: (n) => toaster.show(noticeToast(n)),
    });
  } catch (err) {
    return formError((err as Error).message);
  }
  session = s;
  offTransforms?.();
  offTransforms = s.provider.on('transforms', (list) => meter.onTransforms(list));
  showProviderBadge(s.provider.kind);
  chat.clear();
  memberList.clear();
  views.clear();
  ui.roomName.textContent = room;
  ui.inviteLink.href = inviteSearch(room, location.search);
  document.title = `${room} · rtgw demo room`;
  ui.joinSection.hidden = true;
  ui.roomSection.hidden = false;
  document.body.dataset.joined = 'true';
  ui.roomHeading.focus();
  try {
    await s.join();
  } catch (err) {
    if (session !== s) return; // left or superseded meanwhile
    await leave();
    formError(`Could not join: ${(err as Error).message}`);
  }
}

async function leave(): Promise<void> {
  const s = session;
  session = null;
  held.clear();
  ui.roomSection.hidden = true;
  ui.joinSection.hidden = false;
  delete document.body.dataset.joined;
  document.title = 'rtgw demo room';
  setStatus(null);
  ui.nameInput.focus();
  await s?.leave();
}

function setStatus(state: ConnectionState | null): void {
  connection = state;
  const v = statusView(state, session?.provider.kind ?? null);
  ui.status.dataset.status = v.key;
  if (ui.statusText.textContent !== v.text) ui.statusText.textContent = v.text;
}

// A closed tab leaves at once (others see it go) instead of lingering for the grace period.
addEventListener('pagehide', () => void session?.provider.disconnect());
addEventListener('pageshow', (e) => {
  if (e.persisted && session) void join(session.settings.displayName, session.settings.roomId, session.settings.device);
});

// ---------------------------------------------------------------- moving

/** A press shorter than this on a move button is a tap: one step. */
const TAP_MS = 250;

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable) ||
  (t instanceof HTMLInputElement && !['button', 'submit', 'reset', 'checkbox', 'radio'].includes(t.type));

addEventListener('keydown', (e) => {
  if (!session || e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
  const d = directionForKey(e.code, e.key);
  if (!d) return;
  e.preventDefault(); // arrows would scroll the page
  if (!e.repeat) {
    trace.key(e.code, 'down', epochMs(e.timeStamp));
    if (held.current().size === 0) meter.onKeyDown(session.provider.serverNow() - (performance.now() - e.timeStamp));
  }
  held.press(d);
});
addEventListener('keyup', (e) => {
  const d = directionForKey(e.code, e.key);
  if (!d) return;
  held.release(d);
  trace.key(e.code, 'up', epochMs(e.timeStamp));
});
addEventListener('blur', () => held.clear());
document.addEventListener('visibilitychange', () => document.hidden && held.clear());

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-dir]')) {
  const d = button.dataset.dir as Direction;
  if (!DIRECTIONS.includes(d)) continue;
  let pressedAt = 0;
  button.addEventListener('pointerdown', (e) => {
    pressedAt = e.timeStamp;
    held.press(d, e.pointerId);
    button.setPointerCapture(e.pointerId);
  });
  button.addEventListener('pointerup', (e) => {
    held.release(d, e.pointerId);
    // A tap walks for a frame or two only: make it a step, as Enter on the button is.
    if (e.timeStamp - pressedAt < TAP_MS) session?.nudge(d);
  });
  for (const type of ['pointercancel', 'lostpointercapture'] as const) {
    button.addEventListener(type, (e) => held.release(d, e.pointerId));
  }
  // Enter or Space on a focused button (detail 0): one step. Pointer presses were handled above.
  button.addEventListener('click', (e) => e.detail === 0 && session?.nudge(d));
  button.addEventListener('contextmenu', (e) => e.preventDefault()); // long-press on touch screens
}

/** How often the text description and the debug overlay are refreshed (they are read, not watched). */
const TEXT_EVERY_MS = 500;
let lastFrame = performance.now();
let lastText = 0;
let frameAt: number | null = null;
function frame(now: number): void {
  const dt = now - lastFrame;
  lastFrame = now;
  if (session) {
    const s = session;
    s.walk(held.current(), dt);
    const status = statusView(connection, s.provider.kind);
    const avatars = s.frame();
    if (views.draw(avatars, status.key === 'connected' ? null : status.text, now)) {
      frameAt = epochMs(now);
      trace.frame(frameAt, avatars);
      meter.onFrame(avatars, s.provider.serverNow());
    }
    if (meter.waitingForOwnSend) meter.onOwnSent(s.provider.getState().members.find((m) => m.userId === s.selfId)?.transform?.ts);
    if (now - lastText >= TEXT_EVERY_MS) {
      lastText = now;
      const text = describeRoom(avatars);
      if (ui.description.textContent !== text) ui.description.textContent = text;
      if (params.debug) showDebug();
    }
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

function showDebug(): void {
  const { keyToSent, gatewayToDrawn } = meter.figures();
  const f = (x: { n: number; p50: number | null; p95: number | null }) => (x.n ? `p50 ${x.p50} ms · p95 ${x.p95} ms (n=${x.n})` : 'no moves yet');
  const total = keyToSent.n && gatewayToDrawn.n ? `${keyToSent.p50! + gatewayToDrawn.p50!} ms` : '…';
  ui.debugOverlay.hidden = false;
  ui.debugOverlay.textContent = [
    `view: ${views.kind}${views.webgl === 'unavailable' ? ' (no WebGL)' : ''}`,
    `key → sent (yours):      ${f(keyToSent)}`,
    `gateway → drawn (others): ${f(gatewayToDrawn)}`,
    `input → display ≈ ${total} (p50 sum)`,
  ].join('\n');
}

// ---------------------------------------------------------------- snapshot for tests

exposeSnapshot(() => {
  const s = session;
  const status = statusView(connection, s?.provider.kind ?? null);
  const drawn = new Map(views.lastFrame().map((a) => [a.userId, a]));
  const pose = s?.ownPose();
  return {
    provider: s?.provider.kind ?? null,
    view: views.kind,
    webgl: views.webgl,
    frameAt,
    description: ui.description.textContent ?? '',
    latency: meter.figures(),
    status: status.key,
    statusText: status.text,
    connection: connection && { ...connection },
    roomId: s?.settings.roomId ?? null,
    self: s && pose ? { userId: s.selfId, displayName: s.settings.displayName, device: s.settings.device, ...pose } : null,
    members: (s?.memberList() ?? []).map((m) => {
      const a = drawn.get(m.userId);
      return { userId: m.userId, displayName: m.displayName, device: m.device, self: m.userId === s?.selfId, avatar: a ? { x: a.x, z: a.z, yaw: a.yaw } : null };
    }),
    chat: chat.messages(),
    toasts: toaster.current(),
    toastLog: toaster.history(),
  };
});

if (params.autoJoin) void join(params.name, params.room, params.device ?? guessedDevice);

function safeSessionStorage(): Storage | undefined {
  try {
    return sessionStorage;
  } catch {
    return undefined;
  }
}
