/**
 * The receive hot path of one client: count every broadcast frame, and — for a measuring client
 * (`sample`) — cover each sender's slots (load/delivery.ts) and sample the latency diagnostics.
 * Nothing here allocates per transform beyond what the frame scan produced.
 */
import type { Member } from '../protocol/index.js';
import { intendedFromAnim, ReceiverCoverage } from './delivery.js';
import type { ScannedTransform } from './frame-scan.js';
import { recordUs } from './histogram.js';
import type { ClientHost } from './host.js';
import type { ClientPlan } from './plan.js';

export class TransformReceiver {
  private readonly coverage: ReceiverCoverage;
  private sample = 0;

  constructor(
    private readonly plan: ClientPlan,
    private readonly host: ClientHost,
  ) {
    this.coverage = new ReceiverCoverage(host.delivery, host.histograms.fanout, host.intervalOf);
  }

  countFrame(transforms: number, nowUs: number): void {
    const c = this.host.counters;
    c.frames++;
    c.received += transforms;
    const w = this.host.window;
    if (w !== undefined && nowUs >= w.startUs && nowUs < w.endUs) {
      c.windowFrames++;
      c.windowReceived += transforms;
    }
  }

  /** The receive hot path: count, cover, sample. */
  onTransforms(transforms: readonly ScannedTransform[], nowUs: number): void {
    this.countFrame(transforms.length, nowUs);
    if (!this.plan.measured) return;
    const h = this.host;
    const window = h.windowFor(this.plan.userId);
    for (const t of transforms) {
      const intended = intendedFromAnim(t.anim);
      const direct = this.coverage.observe(t.userId, t.seq, intended, nowUs, window);
      // Diagnostics, sampled 1 in 4 to keep this path light: the live p99, and the trip split at
      // the gateway's receive time `ts` (ms resolution).
      if ((++this.sample & 3) !== 0 || Number.isNaN(intended)) continue;
      recordUs(h.recent, nowUs - intended);
      if (direct) {
        const tsUs = t.ts * 1000;
        recordUs(h.histograms.inbound, tsUs - intended);
        recordUs(h.histograms.outbound, nowUs - tsUs);
      }
    }
  }

  /** A (re)join's room_state holds each member's latest transform: it covers what this client missed. */
  onRoomState(members: readonly Member[], nowUs: number): void {
    if (!this.plan.measured) return;
    const window = this.host.windowFor(this.plan.userId);
    for (const m of members) {
      if (m.userId !== this.plan.userId && m.transform) this.coverage.observe(m.userId, m.transform.seq, intendedFromAnim(m.transform.anim), nowUs, window);
    }
  }
}
