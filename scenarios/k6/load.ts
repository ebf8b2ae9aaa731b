/**
 * The `rtgw load` profile as a k6 script: rooms of clients, each with its own token from
 * POST /rooms/join, `join_room` first, transforms on a fixed schedule carrying their intended send
 * time, `ping` every 2 s; fan-out latency measured from the intended send time, and delivery
 * counted the way load/delivery.ts counts it (a slot is covered by itself or by a newer one).
 *
 *   k6 run -e URL=http://localhost:8080 -e ROOMS=5 -e CLIENTS_PER_ROOM=10 -e RATE=20 -e DURATION=30 scenarios/k6/load.ts
 *
 * k6 (v0.57+, v1) runs TypeScript itself. Older k6: bundle first, e.g.
 *   npx esbuild scenarios/k6/load.ts --bundle --format=esm --platform=neutral --external:'k6*' --outfile=dist/k6-load.js
 * Type-checked by `npm run typecheck:k6` (scenarios/k6/tsconfig.json, "types": ["k6"]). Messages are
 * typed with the zod-inferred types from protocol/ (`import type`: nothing of zod reaches k6).
 *
 * Differences from `rtgw load`: one VU per client on k6's single clock (Date.now, ms resolution);
 * no separate join phase (the window opens `RAMP + SETTLE` seconds after the start, whether or not
 * everyone joined); the delivered ratio is printed by handleSummary (k6 thresholds cannot divide
 * two counters). Thresholds: fanout_latency p(99) < P99_MS (default 100).
 */
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { WebSocket, type MessageEvent } from 'k6/websockets';
import type { ClientMessageOf, Device, JoinRequest, JoinResponse, ServerMessage, TRANSFORM_RATE_PER_SECOND } from '../../protocol/index.js';

const env = (name: string, fallback: number) => (__ENV[name] === undefined ? fallback : Number(__ENV[name]));
const URL = __ENV.URL ?? 'http://localhost:8080';
const ROOMS = env('ROOMS', 5);
const CLIENTS_PER_ROOM = env('CLIENTS_PER_ROOM', 10);
const RATE = env('RATE', 20);
const DURATION = env('DURATION', 30);
const RAMP = env('RAMP', 5);
const SETTLE = env('SETTLE', 2);
const DRAIN = env('DRAIN', 2);
const MOBILE_RATIO = env('MOBILE_RATIO', 0);
const CLIENTS = ROOMS * CLIENTS_PER_ROOM;

/** Mirrors protocol/codes.ts TRANSFORM_RATE_PER_SECOND (a value import would pull zod into k6); the annotation keeps the shape in step. */
const DEVICE_RATE: typeof TRANSFORM_RATE_PER_SECOND = { desktop: 20, mobile: 15 };
/** Mirrors client/ws-provider.ts WS_DEFAULTS.pingIntervalMs. */
const PING_INTERVAL_MS = 2000;

export const options = {
  scenarios: {
    clients: { executor: 'per-vu-iterations', vus: CLIENTS, iterations: 1, maxDuration: `${RAMP + SETTLE + DURATION + DRAIN + 60}s` },
  },
  thresholds: { fanout_latency: [`p(99)<${env('P99_MS', 100)}`] },
};

const fanout = new Trend('fanout_latency', true);
const connect = new Trend('connect_join', true);
const pingRtt = new Trend('ping_rtt', true);
const expected = new Counter('transforms_expected');
const covered = new Counter('transforms_covered');
const direct = new Counter('transforms_direct');
const received = new Counter('transforms_received');
const errors = new Counter('protocol_errors');

interface Shared {
  /** Slot 0 of every sender, ms since the epoch. */
  epochMs: number;
  windowStartMs: number;
  windowEndMs: number;
}

export function setup(): Shared {
  const epochMs = Date.now() + 1000;
  const windowStartMs = epochMs + (RAMP + SETTLE) * 1000;
  return { epochMs, windowStartMs, windowEndMs: windowStartMs + DURATION * 1000 };
}

const intervalMs = (device: Device) => (RATE > 0 ? 1000 / Math.min(RATE, DEVICE_RATE[device]) : 0);
const deviceOf = (userId: string): Device => (userId.endsWith('-m') ? 'mobile' : 'desktop');

export default function client(shared: Shared): void {
  const i = __VU - 1;
  const room = i % ROOMS;
  const mobile = Math.floor((i + 1) * MOBILE_RATIO) > Math.floor(i * MOBILE_RATIO);
  const device: Device = mobile ? 'mobile' : 'desktop';
  const userId = `k6-r${room}-c${Math.floor(i / ROOMS)}-${mobile ? 'm' : 'd'}`;
  const roomId = `k6-room${room}`;
  const interval = intervalMs(device);
  const phaseMs = ((i * 0.6180339887498949) % 1) * (interval || 1);
  const { epochMs, windowStartMs, windowEndMs } = shared;

  setTimeout(() => {
    const started = Date.now();
    const body: JoinRequest = { roomId, userId, device };
    const res = http.post(`${URL}/rooms/join`, JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    if (res.status !== 200) {
      errors.add(1, { code: `http_${res.status}` });
      return;
    }
    const { realtimeToken } = res.json() as unknown as JoinResponse;
    const ws = new WebSocket(`${URL.replace(/^http/, 'ws')}/realtime`);
    const last = new Map<string, number>();
    let nextK = 0;
    let closed = false;
    const timers: Array<ReturnType<typeof setInterval>> = [];

    const send = (msg: ClientMessageOf<'join_room' | 'avatar_transform' | 'ping'>) => ws.send(JSON.stringify(msg));
    /** Cover the sender's slots up to seq (see load/delivery.ts): latency from each slot's intended time. */
    const observe = (sender: string, seq: number | undefined, anim: string | undefined, nowMs: number) => {
      if (seq === undefined || !anim || anim[0] !== 't') return;
      const intendedJ = Number(anim.slice(1)) / 1000;
      const step = intervalMs(deviceOf(sender));
      const prev = last.get(sender) ?? -1;
      if (seq <= prev) return;
      last.set(sender, seq);
      if (intendedJ < windowStartMs) return;
      for (let k = Math.max(prev + 1, seq - Math.floor((intendedJ - windowStartMs) / step)); k <= seq; k++) {
        const intended = intendedJ - (seq - k) * step;
        if (intended >= windowEndMs) break;
        fanout.add(nowMs - intended);
        covered.add(1);
        if (k === seq) direct.add(1);
      }
    };

    ws.onopen = () => send({ type: 'join_room', token: realtimeToken });
    ws.onmessage = (event?: MessageEvent) => {
      const now = Date.now();
      const msg = JSON.parse(String(event?.data)) as ServerMessage;
      if (msg.type === 'avatar_transform_broadcast') {
        received.add(msg.transforms.length);
        for (const t of msg.transforms) observe(t.userId, t.seq, t.anim, now);
      } else if (msg.type === 'room_state') {
        connect.add(now - started);
        for (const m of msg.members) if (m.userId !== userId && m.transform) observe(m.userId, m.transform.seq, m.transform.anim, now);
        startSending();
      } else if (msg.type === 'pong') {
        if (msg.ts !== undefined && now >= windowStartMs && now < windowEndMs) pingRtt.add(now - msg.ts);
      } else if (msg.type === 'error' || msg.type === 'auth_error') {
        errors.add(1, { code: `${msg.type}:${msg.code}` });
      }
    };
    ws.onclose = () => {
      closed = true;
      timers.forEach(clearInterval);
    };

    function startSending(): void {
      if (interval > 0) {
        // The sender's share of expected: its window slots, once per other member of the room.
        const base = epochMs + phaseMs;
        const slots = Math.max(0, Math.ceil((windowEndMs - base) / interval) - Math.max(0, Math.ceil((windowStartMs - base) / interval)));
        expected.add(slots * (CLIENTS_PER_ROOM - 1));
        nextK = Math.max(0, Math.ceil((Date.now() - base) / interval));
        // One timer per slot, aimed at the slot's intended time; a late wake-up sends the newest due slot only.
        const tick = () => {
          if (closed) return;
          const k = Math.max(nextK, Math.floor((Date.now() - base) / interval));
          nextK = k + 1;
          const a = k * 0.05;
          send({ type: 'avatar_transform', p: [Math.cos(a) * 5, 0, Math.sin(a) * 5], r: [0, Math.sin(a / 2), 0, Math.cos(a / 2)], seq: k, anim: `t${Math.round((base + k * interval) * 1000)}` });
          setTimeout(tick, Math.max(0, base + nextK * interval - Date.now()));
        };
        setTimeout(tick, Math.max(0, base + nextK * interval - Date.now()));
      }
      timers.push(setInterval(() => send({ type: 'ping', ts: Date.now() }), PING_INTERVAL_MS));
      setTimeout(() => ws.close(), Math.max(0, windowEndMs + DRAIN * 1000 - Date.now()));
    }
  }, Math.max(0, epochMs + (i * RAMP * 1000) / CLIENTS - Date.now()));
}

interface SummaryData {
  metrics: Record<string, { values: Record<string, number> } | undefined>;
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const count = (name: string) => data.metrics[name]?.values.count ?? 0;
  const exp = count('transforms_expected');
  const lat = data.metrics.fanout_latency?.values ?? {};
  const line =
    `delivered ${exp ? ((count('transforms_covered') / exp) * 100).toFixed(3) : '-'} % of ${exp} expected (direct ${exp ? ((count('transforms_direct') / exp) * 100).toFixed(2) : '-'} %); ` +
    `fan-out p50 ${lat['med']?.toFixed(1)} ms p90 ${lat['p(90)']?.toFixed(1)} ms p95 ${lat['p(95)']?.toFixed(1)} ms max ${lat['max']?.toFixed(1)} ms; errors ${count('protocol_errors')}\n`;
  return { stdout: line, 'k6-summary.json': JSON.stringify(data, null, 2) };
}
