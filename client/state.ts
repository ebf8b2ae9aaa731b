/**
 * The room state reducer both providers share: members with their latest transforms, recent chat
 * (deduplicated by id, oldest first), and who this client is. Providers feed it wire messages
 * (the simulation fabricates them in the same shapes) and emit the events it reports.
 */
import { Limits, type ChatMessage, type Member, type ServerMessageOf } from '../protocol/index.js';
import type { Emitter } from './emitter.js';
import type { RealtimeEvents, RoomSnapshot } from './types.js';

type RoomStateMessage = ServerMessageOf<'room_state'>;

export class RoomStore {
  roomId: string | null = null;
  self: RoomSnapshot['self'] | null = null;
  private readonly members = new Map<string, Member>();
  private chat: ChatMessage[] = [];
  private readonly chatIds = new Set<string>();

  constructor(private readonly chatLimit: number = Limits.CHAT_HISTORY) {}

  /**
   * Replace members with the server's list. On a rejoin of the same room, chat is merged with what
   * this client already has (by id), and the messages it had not seen are returned so the provider
   * can announce them; on a fresh join, chat is replaced and nothing is returned.
   */
  applyRoomState(msg: RoomStateMessage, rejoin: boolean): ChatMessage[] {
    const sameRoom = rejoin && msg.roomId === this.roomId;
    if (!sameRoom) this.clearChat();
    this.roomId = msg.roomId;
    this.self = { ...msg.self };
    this.members.clear();
    for (const m of msg.members) this.members.set(m.userId, m);
    const fresh = msg.chat.filter((c) => this.addChat(c));
    return sameRoom ? fresh : [];
  }

  /** Adds or replaces a member (a member can reappear after a resume elsewhere). */
  memberJoined(member: Member): void {
    if (this.roomId === null) return;
    this.members.set(member.userId, member);
  }

  memberLeft(userId: string): boolean {
    return this.members.delete(userId);
  }

  /** Store each known member's latest transform (older `ts` never overwrites newer). */
  applyTransforms(list: ServerMessageOf<'avatar_transform_broadcast'>['transforms']): void {
    for (const { userId, ...transform } of list) {
      const member = this.members.get(userId);
      if (!member) continue;
      if (member.transform && member.transform.ts > transform.ts) continue;
      this.members.set(userId, { ...member, transform });
    }
  }

  /** This client's own transform: the server never echoes it, so the provider records what it sent. */
  setOwnTransform(transform: NonNullable<Member['transform']>): void {
    const userId = this.self?.userId;
    const member = userId === undefined ? undefined : this.members.get(userId);
    if (member) this.members.set(member.userId, { ...member, transform });
  }

  /** Returns false when the message was already known (same id). Keeps the newest `chatLimit`, sorted by id. */
  addChat(message: ChatMessage): boolean {
    if (this.chatIds.has(message.id)) return false;
    this.chatIds.add(message.id);
    const last = this.chat[this.chat.length - 1];
    if (!last || last.id < message.id) this.chat.push(message);
    else {
      // Out of order (missed messages arriving with a rejoin): insert at its sorted place.
      const at = this.chat.findIndex((c) => c.id > message.id);
      this.chat.splice(at, 0, message);
    }
    while (this.chat.length > this.chatLimit) this.chatIds.delete(this.chat.shift()!.id);
    return true;
  }

  /** A message of this client's own, found by its `clientMsgId` (used after a reconnect). */
  findOwnChat(clientMsgId: string): ChatMessage | undefined {
    const me = this.self?.userId;
    return this.chat.find((c) => c.clientMsgId === clientMsgId && c.userId === me);
  }

  clear(): void {
    this.roomId = null;
    this.self = null;
    this.members.clear();
    this.clearChat();
  }

  snapshot(rejoined = false): RoomSnapshot | null {
    if (this.roomId === null || this.self === null) return null;
    return {
      roomId: this.roomId,
      self: { ...this.self },
      members: this.memberList(),
      chat: [...this.chat],
      rejoined,
    };
  }

  memberList(): Member[] {
    return [...this.members.values()].map((m) => ({ ...m }));
  }

  chatList(): ChatMessage[] {
    return [...this.chat];
  }

  private clearChat(): void {
    this.chat = [];
    this.chatIds.clear();
  }
}

type RoomMessage = ServerMessageOf<'member_joined' | 'member_left' | 'avatar_transform_broadcast' | 'chat_broadcast'>;

/**
 * Apply one in-room message to the store and emit what it means. The per-message path of both
 * providers: it allocates only the event payloads it hands to listeners.
 */
export function applyRoomMessage(store: RoomStore, events: Emitter<RealtimeEvents>, msg: RoomMessage): void {
  switch (msg.type) {
    case 'member_joined':
      store.memberJoined(msg.member);
      events.emit('memberJoined', msg.member);
      return;
    case 'member_left':
      store.memberLeft(msg.userId);
      events.emit('memberLeft', { userId: msg.userId, reason: msg.reason });
      return;
    case 'avatar_transform_broadcast':
      store.applyTransforms(msg.transforms);
      events.emit('transforms', msg.transforms);
      return;
    case 'chat_broadcast': {
      const { type: _type, ...message } = msg;
      if (store.addChat(message)) events.emit('chat', message);
      return;
    }
  }
}

/** Room-scoped message types, for filtering while a join is in flight. */
export function isRoomMessage(msg: { type: string }): msg is RoomMessage {
  return (
    msg.type === 'member_joined' ||
    msg.type === 'member_left' ||
    msg.type === 'avatar_transform_broadcast' ||
    msg.type === 'chat_broadcast'
  );
}
