/**
 * One room as the dashboard sees it, built from the admin stream: members with their latest
 * transform, how often each moves, the chat tail, and the room's traffic per second. Plain data
 * and a clock; the components only render `view()`.
 *
 * Rates are counted on the gateway's clock (transform `ts`, chat `ts`), not on arrival: a dashboard
 * on a busy machine receives events in bursts, which would make rates jump.
 */
import type { ChatMessage, Transform } from '../../protocol/index.js';
import type { ObservedMember, RoomStreamEvent } from '../../gateway/admin-schema.js';
import { assignMarkers } from './markers.js';
import { SecondBuckets, WindowRate } from './traffic.js';

const CHAT_KEPT = 50;

export interface MemberRow {
  userId: string;
  displayName: string;
  device: ObservedMember['device'];
  nodeId: string;
  /** Two characters, unique in the room: the member's mark on the map. */
  marker: string;
  transform?: Transform;
  /** Since the latest transform was received by the gateway (its clock); undefined before the first. */
  ageMs?: number;
  /** Transforms per second seen for this member recently. */
  updatesPerSec: number;
}

export interface RoomView {
  roomId: string;
  /** False until the first snapshot arrived. */
  loaded: boolean;
  members: MemberRow[];
  /** Oldest first. */
  chat: ChatMessage[];
  transformsPerSec: number;
  chatPerSec: number;
  /** Per complete second, oldest first, `historySeconds` long. */
  history: { transforms: number[]; chat: number[] };
}

interface Tracked {
  member: ObservedMember;
  rate: WindowRate;
}

export class RoomModel {
  private readonly members = new Map<string, Tracked>();
  private chat: ChatMessage[] = [];
  private readonly transforms = new SecondBuckets();
  private readonly chats = new SecondBuckets();
  /** Gateway clock minus local clock, from the latest snapshot (network latency included, a few ms). */
  private skewMs = 0;
  private loaded = false;
  /** When the first snapshot arrived (gateway clock): rates average over at most the time since. */
  private since = -Infinity;

  constructor(
    readonly roomId: string,
    private readonly now: () => number = Date.now,
  ) {}

  apply(event: RoomStreamEvent): void {
    switch (event.type) {
      case 'snapshot': {
        this.loaded = true;
        this.skewMs = event.serverTime - this.now();
        const now = this.serverNow();
        if (this.since === -Infinity) this.since = now;
        const previous = new Map(this.members);
        this.members.clear();
        for (const member of event.members) this.members.set(member.userId, { member, rate: previous.get(member.userId)?.rate ?? new WindowRate(now) });
        this.chat = [];
        for (const message of event.chat) this.addChat(message);
        return;
      }
      case 'member_joined':
        this.members.set(event.member.userId, { member: event.member, rate: this.members.get(event.member.userId)?.rate ?? new WindowRate(this.serverNow()) });
        return;
      case 'member_left':
        this.members.delete(event.userId);
        return;
      case 'transforms':
        for (const { userId, ...transform } of event.transforms) {
          this.transforms.add(transform.ts);
          const tracked = this.members.get(userId);
          if (!tracked) continue; // not (or no longer) a member: a late event
          tracked.member = { ...tracked.member, transform };
          tracked.rate.add(transform.ts);
        }
        return;
      case 'chat':
        if (this.addChat(event.message)) this.chats.add(event.message.ts);
        return;
    }
  }

  view(historySeconds = 60): RoomView {
    const now = this.serverNow();
    const tracked = [...this.members.values()].sort((a, b) => a.member.joinedAt - b.member.joinedAt || (a.member.userId < b.member.userId ? -1 : 1));
    const markers = assignMarkers(tracked.map((t) => t.member));
    return {
      roomId: this.roomId,
      loaded: this.loaded,
      members: tracked.map(({ member, rate }) => ({
        userId: member.userId,
        displayName: member.displayName,
        device: member.device,
        nodeId: member.nodeId,
        marker: markers.get(member.userId)!,
        transform: member.transform,
        ageMs: member.transform ? now - member.transform.ts : undefined,
        updatesPerSec: rate.rate(now),
      })),
      chat: this.chat.slice(),
      transformsPerSec: this.transforms.rate(now, 3, this.since),
      chatPerSec: this.chats.rate(now, 10, this.since),
      history: { transforms: this.transforms.series(now, historySeconds), chat: this.chats.series(now, historySeconds) },
    };
  }

  /** The gateway's clock, as far as the latest snapshot tells. */
  private serverNow(): number {
    return this.now() + this.skewMs;
  }

  /** Keep the message (once per id, ordered by id); false if it was already here. */
  private addChat(message: ChatMessage): boolean {
    if (this.chat.some((m) => m.id === message.id)) return false;
    this.chat.push(message);
    this.chat.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (this.chat.length > CHAT_KEPT) this.chat.splice(0, this.chat.length - CHAT_KEPT);
    return true;
  }
}
