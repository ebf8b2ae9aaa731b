/**
 * Who the generated clients are, where they go and when they act — decided once, by the
 * coordinator, so every worker agrees: ids, rooms, devices, arrival times and send phases.
 *
 * Timing is in integer Unix microseconds. Client `i` sends slot `k` at
 *   intended(i, k) = epochUs + phaseUs(i) + k * intervalUs(device)
 * and slot `k` is also its `seq`. Integers keep the arithmetic exact, so a receiver recomputes
 * the intended time of a slot it never saw (coalesced or dropped) from the one it did see:
 *   intended(i, k) = intended(i, j) - (j - k) * intervalUs.
 */
import { TRANSFORM_RATE_PER_SECOND, type Device } from '../protocol/index.js';

export interface ClientPlan {
  /** Index in arrival order (0-based). */
  index: number;
  userId: string;
  roomId: string;
  device: Device;
  /** When this client starts connecting (Unix µs). */
  arrivalUs: number;
  /** Offset of its send slots within one interval (µs). */
  phaseUs: number;
  /** This client measures what it receives (`sample`); all clients send and read their sockets. */
  measured: boolean;
}

export interface PlanInput {
  runId: string;
  /** Clients in all, spread over `rooms` (client i in room i mod rooms). */
  clients: number;
  rooms: number;
  mobileRatio: number;
  /** Arrivals are spread evenly over [rampStartUs, rampStartUs + rampUs). */
  rampStartUs: number;
  rampUs: number;
  /** Requested transforms per second per client. */
  rate: number;
  /** Fraction of clients that measure what they receive (1: all). */
  sample: number;
}

/** Golden-ratio sequence: well-spread phases in [0, 1) whatever the client count. */
const spread = (i: number) => (i * 0.6180339887498949) % 1;
/** Another low-discrepancy sequence (plastic number), for the measured sample: independent of rooms (i mod R) and phases. */
const spreadSample = (i: number) => (i * 0.7548776662466927) % 1;

/**
 * Microseconds between one client's transforms: the requested rate, capped at its device's limit
 * (20/s desktop, 15/s mobile) as the SDK caps it. 0 when the client sends none (`rate` 0: idle).
 */
export function intervalUs(device: Device, rate: number): number {
  if (rate <= 0) return 0;
  return Math.round(1e6 / Math.min(rate, TRANSFORM_RATE_PER_SECOND[device]));
}

/** The device encoded in a generated user id (its last character), so receivers know a sender's interval. */
export function deviceOfUserId(userId: string): Device {
  return userId.endsWith('-m') ? 'mobile' : 'desktop';
}

export function buildPlan(input: PlanInput): ClientPlan[] {
  const total = input.clients;
  const clients: ClientPlan[] = [];
  for (let i = 0; i < total; i++) {
    // Rooms fill side by side (client i goes to room i mod R), as people drift into a busy app.
    const room = i % input.rooms;
    const seat = Math.floor(i / input.rooms);
    // Exactly round(total * ratio) mobile clients, evenly spaced in arrival order.
    const mobile = Math.floor((i + 1) * input.mobileRatio) > Math.floor(i * input.mobileRatio);
    const device: Device = mobile ? 'mobile' : 'desktop';
    clients.push({
      index: i,
      userId: `${input.runId}-r${room}-c${seat}-${mobile ? 'm' : 'd'}`,
      roomId: `${input.runId}-room${room}`,
      device,
      arrivalUs: input.rampStartUs + Math.floor((i * input.rampUs) / total),
      phaseUs: Math.floor(spread(i) * intervalUs(device, input.rate || 1)),
      measured: input.sample >= 1 || spreadSample(i) < input.sample,
    });
  }
  return clients;
}

/** Number of slots k >= 0 with intended time in [startUs, endUs) for a sender with this base and interval. */
export function slotsIn(baseUs: number, interval: number, startUs: number, endUs: number): number {
  if (interval <= 0 || endUs <= startUs) return 0;
  const first = Math.max(0, Math.ceil((startUs - baseUs) / interval));
  const end = Math.max(0, Math.ceil((endUs - baseUs) / interval));
  return Math.max(0, end - first);
}
