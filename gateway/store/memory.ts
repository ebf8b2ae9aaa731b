/**
 * The embedded store: one process, no set-up. Several `MemoryStore` views over one `MemoryBackend`
 * behave like several nodes on one Redis (shared data, pub/sub between views), which is how the
 * contract suite and in-process multi-node tests use it.
 */
import { Limits, type ChatMessage, type Transform } from '../../protocol/index.js';
import type {
  ChatOutcome,
  ChatSlot,
  JoinOutcome,
  JoinRoomOutcome,
  MemberRecord,
  NodeStatsRecord,
  ReapedMember,
  ReconcileOutcome,
  RoomEvent,
  RoomSnapshot,
  Store,
  StoreHandlers,
} from './types.js';

interface RoomData {
  members: Map<string, MemberRecord>;
  transforms: Map<string, Transform>;
  chat: ChatMessage[];
}

/** The shared state behind one or more `MemoryStore` views. */
export class MemoryBackend {
  readonly rooms = new Map<string, RoomData>();
  readonly chatSlots = new Map<string, number[]>();
  readonly blocks = new Map<string, Set<string>>();
  readonly leases = new Map<string, number>();
  readonly nodeStats = new Map<string, NodeStatsRecord>();
  readonly views = new Set<MemoryStore>();

  room(roomId: string): RoomData {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = { members: new Map(), transforms: new Map(), chat: [] };
      this.rooms.set(roomId, room);
    }
    return room;
  }
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private handlers: StoreHandlers | undefined;
  private readonly subscriptions = new Set<string>();

  constructor(readonly backend: MemoryBackend = new MemoryBackend()) {}

  /** Another view over the same data, as a second node would have. */
  peer(): MemoryStore {
    return new MemoryStore(this.backend);
  }

  async start(handlers: StoreHandlers): Promise<void> {
    this.handlers = handlers;
    this.backend.views.add(this);
  }

  async close(): Promise<void> {
    this.backend.views.delete(this);
    this.subscriptions.clear();
    this.handlers = undefined;
  }

  async checkReady(): Promise<boolean> {
    return this.handlers !== undefined;
  }

  async addMember(roomId: string, member: MemberRecord, maxSize: number): Promise<JoinOutcome> {
    const room = this.backend.room(roomId);
    const previous = room.members.get(member.userId);
    if (!previous && room.members.size >= maxSize) return { status: 'full' };
    room.members.set(member.userId, { ...member });
    return previous ? { status: 'joined', previous } : { status: 'joined' };
  }

  async joinRoom(roomId: string, member: MemberRecord, maxSize: number): Promise<JoinRoomOutcome> {
    const outcome = await this.addMember(roomId, member, maxSize);
    return outcome.status === 'full' ? outcome : { ...outcome, room: await this.getRoom(roomId) };
  }

  async reconcileRoom(roomId: string, nodeId: string, held: MemberRecord[], leaseMs: number): Promise<ReconcileOutcome> {
    const room = this.backend.room(roomId);
    const cutoff = Date.now() - leaseMs;
    const alive = (node: string) => (this.backend.leases.get(node) ?? -Infinity) > cutoff;
    const out: ReconcileOutcome = { added: [], superseded: [], removed: [], members: [] };
    const kept = new Map<string, string>();
    for (const record of held) {
      const current = room.members.get(record.userId);
      if (current?.sessionId === record.sessionId) {
        kept.set(record.userId, record.sessionId);
      } else if (current && current.nodeId !== nodeId && alive(current.nodeId)) {
        out.superseded.push(record.userId);
      } else {
        if (!current || current.nodeId !== nodeId) out.added.push(record.userId);
        room.members.set(record.userId, { ...record });
        kept.set(record.userId, record.sessionId);
      }
    }
    for (const [userId, member] of room.members) {
      if (member.nodeId === nodeId && kept.get(userId) !== member.sessionId) {
        room.members.delete(userId);
        room.transforms.delete(userId);
        out.removed.push(userId);
      } else out.members.push({ ...member });
    }
    return out;
  }

  async restoreMember(roomId: string, userId: string, sessionId: string, previous: MemberRecord | undefined): Promise<boolean> {
    const room = this.backend.rooms.get(roomId);
    if (room?.members.get(userId)?.sessionId !== sessionId) return false;
    if (previous) room.members.set(userId, { ...previous });
    else {
      room.members.delete(userId);
      room.transforms.delete(userId);
    }
    return true;
  }

  async removeMember(roomId: string, userId: string, sessionId: string): Promise<boolean> {
    const room = this.backend.rooms.get(roomId);
    const current = room?.members.get(userId);
    if (!room || current?.sessionId !== sessionId) return false;
    room.members.delete(userId);
    room.transforms.delete(userId);
    return true;
  }

  async getRoom(roomId: string): Promise<RoomSnapshot> {
    const room = this.backend.rooms.get(roomId);
    if (!room) return { members: [], transforms: {}, chat: [] };
    return {
      members: [...room.members.values()].map((m) => ({ ...m })),
      transforms: Object.fromEntries(room.transforms),
      chat: room.chat.slice(),
    };
  }

  async listRooms(): Promise<Array<{ roomId: string; members: number }>> {
    const rooms: Array<{ roomId: string; members: number }> = [];
    for (const [roomId, room] of this.backend.rooms) {
      if (room.members.size > 0) rooms.push({ roomId, members: room.members.size });
    }
    return rooms;
  }

  async saveTransforms(entries: Array<{ roomId: string; userId: string; transform: Transform }>): Promise<void> {
    for (const { roomId, userId, transform } of entries) {
      const room = this.backend.rooms.get(roomId);
      // A transform that arrives after its member left must not resurrect it.
      if (room?.members.has(userId)) room.transforms.set(userId, transform);
    }
  }

  async takeChatSlot(userId: string, now: number, limit: number, windowMs: number): Promise<ChatSlot> {
    const recent = (this.backend.chatSlots.get(userId) ?? []).filter((t) => t > now - windowMs);
    if (recent.length >= limit) {
      this.backend.chatSlots.set(userId, recent);
      return { ok: false, retryAfterMs: Math.max(1, recent[0]! + windowMs - now) };
    }
    recent.push(now);
    this.backend.chatSlots.set(userId, recent);
    return { ok: true };
  }

  async appendChat(message: ChatMessage): Promise<ChatMessage | undefined> {
    const room = this.backend.room(message.roomId);
    if (message.clientMsgId !== undefined) {
      const original = room.chat.find((m) => m.userId === message.userId && m.clientMsgId === message.clientMsgId);
      if (original) return { ...original };
    }
    room.chat.push({ ...message });
    if (room.chat.length > Limits.CHAT_HISTORY) room.chat.splice(0, room.chat.length - Limits.CHAT_HISTORY);
    return undefined;
  }

  async sendChat(message: ChatMessage, limit: number, windowMs: number): Promise<ChatOutcome> {
    const room = this.backend.rooms.get(message.roomId);
    const original = message.clientMsgId === undefined ? undefined : room?.chat.find((m) => m.userId === message.userId && m.clientMsgId === message.clientMsgId);
    if (original) return { status: 'duplicate', original: { ...original } };
    const slot = await this.takeChatSlot(message.userId, message.ts, limit, windowMs);
    if (!slot.ok) return { status: 'rate_limited', retryAfterMs: slot.retryAfterMs };
    await this.appendChat(message);
    return { status: 'accepted' };
  }

  async mergeChat(roomId: string, messages: ChatMessage[]): Promise<void> {
    const room = this.backend.room(roomId);
    const byId = new Map(room.chat.map((m) => [m.id, m]));
    for (const m of messages) byId.set(m.id, m);
    room.chat = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(-Limits.CHAT_HISTORY);
  }

  async getBlocked(userId: string): Promise<string[]> {
    return [...(this.backend.blocks.get(userId) ?? [])];
  }

  async setBlocked(userId: string, blockedUserId: string, blocked: boolean): Promise<void> {
    let set = this.backend.blocks.get(userId);
    if (blocked) {
      if (!set) this.backend.blocks.set(userId, (set = new Set()));
      set.add(blockedUserId);
    } else {
      set?.delete(blockedUserId);
      if (set?.size === 0) this.backend.blocks.delete(userId);
    }
    for (const view of this.backend.views) view.handlers?.onBlocksChanged(userId);
  }

  async subscribeRoom(roomId: string): Promise<void> {
    this.subscriptions.add(roomId);
  }

  async unsubscribeRoom(roomId: string): Promise<void> {
    this.subscriptions.delete(roomId);
  }

  publish(roomId: string, event: RoomEvent): void {
    // Delivered on a later tick, as a real broker would: publishers never re-enter their own handlers.
    queueMicrotask(() => {
      for (const view of this.backend.views) {
        if (view.subscriptions.has(roomId)) view.handlers?.onRoomEvent(roomId, event);
      }
    });
  }

  /** One process, one clock: the backend's `Date.now()` plays Redis TIME. */
  async heartbeat(nodeId: string): Promise<boolean> {
    const existed = this.backend.leases.has(nodeId);
    this.backend.leases.set(nodeId, Date.now());
    return existed;
  }

  async reapDeadNodes(selfNodeId: string, leaseMs: number): Promise<ReapedMember[]> {
    const now = Date.now();
    const reaped: ReapedMember[] = [];
    for (const [nodeId, seen] of this.backend.leases) {
      if (nodeId === selfNodeId || seen > now - leaseMs) continue;
      this.backend.leases.delete(nodeId);
      for (const [roomId, room] of this.backend.rooms) {
        for (const [userId, member] of room.members) {
          if (member.nodeId !== nodeId) continue;
          room.members.delete(userId);
          room.transforms.delete(userId);
          reaped.push({ roomId, userId, nodeId });
        }
      }
    }
    return reaped;
  }

  async dropNode(nodeId: string): Promise<void> {
    this.backend.leases.delete(nodeId);
  }

  async putNodeStats(record: NodeStatsRecord): Promise<void> {
    this.backend.nodeStats.set(record.nodeId, structuredClone(record));
  }

  async listNodeStats(now: number): Promise<NodeStatsRecord[]> {
    const live: NodeStatsRecord[] = [];
    for (const [nodeId, record] of this.backend.nodeStats) {
      if (record.expiresAt > now) live.push(structuredClone(record));
      else this.backend.nodeStats.delete(nodeId);
    }
    return live.sort((x, y) => (x.nodeId < y.nodeId ? -1 : 1));
  }
}
