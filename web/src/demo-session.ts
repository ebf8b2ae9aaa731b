/**
 * One visit to a room, on the client SDK only: the provider the flags pick (the gateway or the
 * simulation; this file does not know which), the SDK's avatar smoother for everyone else, and
 * this user's own pose, walked by the held directions and sent with `sendTransform` (the SDK paces
 * it to the device's rate and resends it after a reconnect).
 */
import {
  createAvatarSmoother, createRealtimeProvider,
  type AvatarSmoother, type ChatMessage, type ConnectionState, type Device, type Member, type MemberLeftEvent,
  type Notice, type RealtimeProvider, type RoomSnapshot,
} from '../../client/index.js';
import type { Flags } from './launch-params.js';
import { NUDGE, frameDistance, poseToTransform, spawnPose, step, yawOf, type Direction, type Pose } from './movement.js';
import type { AvatarFrame } from './room-view.js';

/**
 * Delay of the repeated resting pose (see `stopAndSettle`): the first may wait up to 74 ms in the
 * pacer (mobile), and the two must still reach the gateway in different 50 ms flushes, with room
 * for a busy event loop on either side.
 */
const SETTLE_AFTER_MS = 200;

export interface SessionSettings {
  userId: string;
  displayName: string;
  device: Device;
  roomId: string;
  /** Gateway base URL (this page's origin): the SDK's default token source posts to `{url}/rooms/join`. */
  url: string;
  /** Flags for `createRealtimeProvider` (`REALTIME_PROVIDER=sim` and friends). */
  env: Flags;
}

export interface SessionHandlers {
  roomState(room: RoomSnapshot): void;
  memberJoined(member: Member): void;
  /** `member` is who left, as last known (for their name). */
  memberLeft(event: MemberLeftEvent, member: Member | undefined): void;
  chat(message: ChatMessage): void;
  connectionState(state: ConnectionState): void;
  notice(notice: Notice): void;
}

export class DemoSession {
  readonly provider: RealtimeProvider;
  private readonly smoother: AvatarSmoother;
  private readonly offs: Array<() => void>;
  private members = new Map<string, Member>();
  private pose: Pose = spawnPose();
  private walking = false;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly settings: SessionSettings, handlers: SessionHandlers) {
    const { userId, displayName, device, url, env } = settings;
    // Throws TypeError for a bad flag (e.g. ?provider=typo), naming it: the page shows the message.
    this.provider = createRealtimeProvider({ userId, displayName, device, url, env });
    this.smoother = createAvatarSmoother(this.provider);
    const p = this.provider;
    this.offs = [
      p.on('roomState', (room) => {
        this.refreshMembers();
        handlers.roomState(room);
      }),
      p.on('memberJoined', (member) => {
        this.refreshMembers();
        handlers.memberJoined(member);
      }),
      p.on('memberLeft', (event) => {
        const member = this.members.get(event.userId);
        this.refreshMembers();
        handlers.memberLeft(event, member);
      }),
      p.on('chat', (message) => handlers.chat(message)),
      p.on('connectionState', (state) => handlers.connectionState(state)),
      p.on('notice', (notice) => handlers.notice(notice)),
    ];
  }

  get selfId(): string {
    return this.settings.userId;
  }

  /** Joins the room; this user appears where it spawned. */
  join(): Promise<RoomSnapshot> {
    this.sendPose('idle');
    return this.provider.joinRoom(this.settings.roomId);
  }

  /** Leave (others see it at once) and stop reconnecting. */
  async leave(): Promise<void> {
    clearTimeout(this.settleTimer);
    for (const off of this.offs) off();
    this.smoother.dispose();
    await this.provider.disconnect();
  }

  /** Members as of the last membership event, this user included. */
  memberList(): Member[] {
    return [...this.members.values()];
  }

  ownPose(): Pose {
    return { ...this.pose };
  }

  /** One frame of walking: move, face the way walked, send; one `idle` transform when stopping. */
  walk(held: Set<Direction>, dtMs: number): void {
    const next = step(this.pose, held, frameDistance(dtMs));
    if (next) {
      this.pose = next;
      this.walking = true;
      clearTimeout(this.settleTimer);
      this.sendPose('walk');
    } else if (this.walking) {
      this.walking = false;
      this.stopAndSettle();
    }
  }

  /** One short step (an on-screen button activated from the keyboard). */
  nudge(direction: Direction): void {
    const next = step(this.pose, [direction], NUDGE);
    if (next) {
      this.pose = next;
      this.stopAndSettle();
    }
  }

  /** Every member to draw now: this user at its own pose, the others as the smoother renders them. */
  frame(): AvatarFrame[] {
    const sampled = this.smoother.sample();
    const out: AvatarFrame[] = [];
    for (const m of this.members.values()) {
      if (m.userId === this.selfId) {
        out.push({ userId: m.userId, name: m.displayName, ...this.pose, self: true });
        continue;
      }
      const s = sampled.get(m.userId) ?? m.transform;
      if (!s) continue; // has not sent a transform yet: nowhere to draw it
      out.push({ userId: m.userId, name: m.displayName, x: s.p[0], z: s.p[2], yaw: yawOf(s.r), self: false });
    }
    return out;
  }

  /**
   * Send the resting pose, and once more a little later. Receivers' interpolation buffers keep
   * extrapolating the last segment they have (for up to 250 ms) and then hold where that led; the
   * second, identical sample makes the last segment motionless, so the avatar rests exactly where
   * it stopped. The gap outlasts the pacer's interval and the gateway's 50 ms coalescing, which
   * would otherwise merge the two into one.
   */
  private stopAndSettle(): void {
    this.sendPose('idle');
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.sendPose('idle'), SETTLE_AFTER_MS);
  }

  private sendPose(anim: 'walk' | 'idle'): void {
    const { p, r } = poseToTransform(this.pose);
    this.provider.sendTransform(p, r, { anim });
  }

  private refreshMembers(): void {
    this.members = new Map(this.provider.getState().members.map((m) => [m.userId, m]));
  }
}
