/**
 * The admin API's wire shapes, one zod schema each: `GET /admin/rooms`, `/admin/rooms/:roomId`,
 * `/admin/stats` and the room event stream `/admin/rooms/:roomId/events`. The gateway builds these
 * bodies; `rtgw dash` parses them with the same schemas. Types come from `z.infer`.
 */
import { z } from 'zod';
import { BroadcastTransformSchema, ChatMessageSchema, IdSchema, LeaveReason, MemberSchema } from '../protocol/index.js';

/** Events per second (a rate over the node's last stats interval). */
const PerSecond = z.number().nonnegative();
const Count = z.number().nonnegative();
/** Keyed by message type, drop reason or auth error code. */
const ByLabel = <T extends z.ZodType>(value: T) => z.record(z.string(), value);

// ---------------------------------------------------------------- node stats

/** A room's traffic as one node saw it: what that node's members sent (transforms after coalescing). */
export const RoomTrafficSchema = z.object({ transformsPerSec: PerSecond, chatPerSec: PerSecond });
export type RoomTraffic = z.infer<typeof RoomTrafficSchema>;

/** One node's stats record: written to the store every second, listed by `GET /admin/stats`. */
export const NodeStatsSchema = z.object({
  nodeId: z.string(),
  /** When it was sampled (the node's clock, ms). */
  at: z.number(),
  /** Milliseconds since the node started. */
  uptimeMs: Count,
  connections: Count,
  /** Rooms with members on this node, and those members. */
  rooms: Count,
  members: Count,
  messagesInPerSec: ByLabel(PerSecond),
  messagesOutPerSec: ByLabel(PerSecond),
  /** Totals since the node started. `rateLimitHits` = drops `rate_limited` + `chat_rate_limited`. */
  drops: ByLabel(Count),
  rateLimitHits: Count,
  authFailures: ByLabel(Count),
  /** p99 event-loop delay over the last interval. */
  eventLoopDelayP99Ms: z.number().nonnegative(),
  /** False while the node cannot reach its store (Redis). */
  storeUp: z.boolean(),
  /** Rooms this node has members in. */
  roomTraffic: z.record(z.string(), RoomTrafficSchema),
});
export type NodeStats = z.infer<typeof NodeStatsSchema>;

/** `GET /admin/stats`: every live node's record and the sums over them. */
export const StatsResponseSchema = z.object({
  /** The node that answered. */
  node: z.string(),
  store: z.object({ kind: z.enum(['memory', 'redis']), ready: z.boolean() }),
  nodes: z.array(NodeStatsSchema),
  total: z.object({
    nodes: Count,
    connections: Count,
    members: Count,
    messagesInPerSec: PerSecond,
    messagesOutPerSec: PerSecond,
    drops: Count,
    rateLimitHits: Count,
    authFailures: Count,
    /** The worst node's. */
    eventLoopDelayP99Ms: z.number().nonnegative(),
  }),
});
export type StatsResponse = z.infer<typeof StatsResponseSchema>;

// ---------------------------------------------------------------- rooms

/** `GET /admin/rooms`: rooms with members (any node), with traffic summed over nodes. */
export const RoomsResponseSchema = z.object({
  rooms: z.array(z.object({ roomId: IdSchema, members: Count, transformsPerSec: PerSecond, chatPerSec: PerSecond })),
});
export type RoomsResponse = z.infer<typeof RoomsResponseSchema>;
export type RoomSummary = RoomsResponse['rooms'][number];

/** A member as an observer sees it: the wire Member plus the node holding its session. */
export const ObservedMemberSchema = MemberSchema.extend({ nodeId: z.string() });
export type ObservedMember = z.infer<typeof ObservedMemberSchema>;

/** `GET /admin/rooms/:roomId`, and the first event of the stream. */
export const RoomDetailSchema = z.object({
  roomId: IdSchema,
  members: z.array(ObservedMemberSchema),
  /** Recent chat, oldest first. */
  chat: z.array(ChatMessageSchema),
  /** The gateway's clock (transform `ts` are on it). */
  serverTime: z.number(),
});
export type RoomDetail = z.infer<typeof RoomDetailSchema>;

// ---------------------------------------------------------------- the room event stream

/**
 * `GET /admin/rooms/:roomId/events` (Server-Sent Events): each event's `event:` field is its `type`
 * and its `data:` the JSON below. `snapshot` comes first, then what any node publishes in the room.
 */
export const RoomStreamEventSchema = z.discriminatedUnion('type', [
  RoomDetailSchema.extend({ type: z.literal('snapshot') }),
  z.object({ type: z.literal('member_joined'), member: ObservedMemberSchema }),
  z.object({ type: z.literal('member_left'), userId: IdSchema, reason: z.enum(Object.values(LeaveReason) as [LeaveReason, ...LeaveReason[]]) }),
  z.object({ type: z.literal('transforms'), transforms: z.array(BroadcastTransformSchema) }),
  z.object({ type: z.literal('chat'), message: ChatMessageSchema }),
]);
export type RoomStreamEvent = z.infer<typeof RoomStreamEventSchema>;
