/**
 * This client's own transform on its way out: checked, paced to the device's rate (pacer.ts),
 * numbered with an increasing `seq`, recorded in the room state (the server never echoes it),
 * re-sent after a rejoin so peers see where this client is, and, with the debug flag, counted
 * when the pacer coalesces.
 */
import type { ClientMessageOf, Device, Transform } from '../protocol/index.js';
import { TransformPacer, transformIntervalMs } from './pacer.js';
import type { Clock, Notice, Quat, TransformExtras, Vec3 } from './types.js';
import { assertTransformArgs } from './validate.js';

interface Pending { p: Vec3; r: Quat; anim?: string }

export interface OwnTransformOptions {
  clock: Clock;
  device: Device;
  /** Fraction of the device rate to use (0.9). */
  safety: number;
  rateLimitDebug: boolean;
  send(msg: ClientMessageOf<'avatar_transform'>): void;
  /** Record what was sent as this client's transform in the room state. */
  record(transform: Transform): void;
  notice(notice: Notice): void;
  serverNow(): number;
}

export class OwnTransform {
  private readonly pacer: TransformPacer<Pending>;
  /** Per provider, not per socket: the gateway wants `seq` increasing within a session, and more never hurts. */
  private seq = 0;
  private last: Pending | null = null;
  private lastNoticeAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: OwnTransformOptions) {
    this.pacer = new TransformPacer(o.clock, transformIntervalMs(o.device, o.safety), (t) => this.sendNow(t));
  }

  /** Throws TypeError on bad input; otherwise queued (held while not joined). */
  push(p: Vec3, r: Quat, extras?: TransformExtras): void {
    assertTransformArgs(p, r, extras);
    this.last = extras?.anim === undefined ? { p, r } : { p, r, anim: extras.anim };
    this.pacer.push(this.last);
  }

  /** Joined: start sending. After a rejoin, send the newest transform again (the server may have lost it). */
  joined(rejoined: boolean): void {
    if (rejoined && this.last) this.pacer.push(this.last);
    this.pacer.resume();
  }

  /** Not joined (connection lost, leaving, moving): hold the newest. */
  pause(): void {
    this.pacer.pause();
  }

  /** The room changed: what was pending belonged to the old one. */
  forget(): void {
    this.pacer.clear();
    this.last = null;
  }

  private sendNow(t: Pending): void {
    const seq = ++this.seq;
    const anim = t.anim !== undefined ? { anim: t.anim } : {};
    this.o.send({ type: 'avatar_transform', p: t.p, r: t.r, seq, ...anim });
    this.o.record({ p: t.p, r: t.r, seq, ...anim, ts: Math.round(this.o.serverNow()) });
    if (this.o.rateLimitDebug) this.debugNotice();
  }

  /** Debug flag: at most once a second, say how many transforms the pacer replaced before sending. */
  private debugNotice(): void {
    const now = this.o.clock.now();
    if (now - this.lastNoticeAt < 1000) return;
    const dropped = this.pacer.takeSuperseded();
    if (dropped === 0) return;
    this.lastNoticeAt = now;
    this.o.notice({
      kind: 'rate_limited', what: 'transform', source: 'client', dropped, windowMs: 1000,
      message: `client pacing coalesced ${dropped} transforms (sendTransform is called faster than the device rate)`,
    });
  }
}
