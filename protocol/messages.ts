/**
 * One zod schema per wire message (shared/realtime-protocol.md section 3). Types are inferred from
 * the schemas; there are no hand-written duplicates. Gateway and client SDK both import this file.
 */
import { z } from 'zod';
import { AuthErrorCode, ChatRejectReason, Device, ErrorCode, ID_PATTERN, LeaveReason, Limits } from './codes.js';

const values = <T extends Record<string, string>>(table: T) =>
  Object.values(table) as [T[keyof T], ...T[keyof T][]];

// ---------------------------------------------------------------- building blocks

export const IdSchema = z.string().regex(ID_PATTERN, 'ids are 1..64 characters of [A-Za-z0-9_.:-]');
export const DeviceSchema = z.enum(values(Device));
/** A finite coordinate with |value| <= 1e6. */
const Coord = z.number().finite().min(-Limits.MAX_ABS_COORD).max(Limits.MAX_ABS_COORD);
export const PositionSchema = z.tuple([Coord, Coord, Coord]);
export const RotationSchema = z.tuple([Coord, Coord, Coord, Coord]);
const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Anim = z.string().max(Limits.MAX_ANIM_LENGTH);
const Millis = z.number().int().nonnegative();
export const DisplayNameSchema = z.string().min(1).max(Limits.MAX_DISPLAY_NAME_LENGTH);

/** A member's transform as stored and broadcast. */
export const TransformSchema = z.object({
  p: PositionSchema,
  r: RotationSchema,
  seq: Seq.optional(),
  anim: Anim.optional(),
  /** Server receive time. */
  ts: Millis,
});
export type Transform = z.infer<typeof TransformSchema>;

export const MemberSchema = z.object({
  userId: IdSchema,
  displayName: DisplayNameSchema,
  device: DeviceSchema,
  joinedAt: Millis,
  transform: TransformSchema.optional(),
});
export type Member = z.infer<typeof MemberSchema>;

export const ChatMessageSchema = z.object({
  /** Unique and sortable (ULID): ordering ids orders messages. */
  id: z.string().min(1),
  roomId: IdSchema,
  userId: IdSchema,
  displayName: DisplayNameSchema,
  text: z.string(),
  ts: Millis,
  clientMsgId: z.string().max(Limits.MAX_CLIENT_MSG_ID_LENGTH).optional(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

// ---------------------------------------------------------------- client -> server

export const JoinRoomSchema = z.object({
  type: z.literal('join_room'),
  token: z.string().max(Limits.MAX_FRAME_BYTES),
  /** Addition to the contract: when given, must equal the token's `room` (else `room_mismatch`). */
  roomId: IdSchema.optional(),
});
export const LeaveRoomSchema = z.object({ type: z.literal('leave_room') });
export const AvatarTransformSchema = z.object({
  type: z.literal('avatar_transform'),
  p: PositionSchema,
  r: RotationSchema,
  seq: Seq.optional(),
  anim: Anim.optional(),
});
export const ChatSendSchema = z.object({
  type: z.literal('chat_send'),
  text: z.string(),
  clientMsgId: z.string().max(Limits.MAX_CLIENT_MSG_ID_LENGTH).optional(),
});
export const RefreshTokenSchema = z.object({
  type: z.literal('refresh_token'),
  token: z.string().min(1).max(Limits.MAX_FRAME_BYTES),
});
export const PingSchema = z.object({
  type: z.literal('ping'),
  ts: z.number().finite().optional(),
});

export const ClientMessageSchema = z.discriminatedUnion('type', [
  JoinRoomSchema,
  LeaveRoomSchema,
  AvatarTransformSchema,
  ChatSendSchema,
  RefreshTokenSchema,
  PingSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

/** Schemas by type, so a reader can tell "unknown type" from "bad fields" with one lookup. */
export const clientSchemas = {
  join_room: JoinRoomSchema,
  leave_room: LeaveRoomSchema,
  avatar_transform: AvatarTransformSchema,
  chat_send: ChatSendSchema,
  refresh_token: RefreshTokenSchema,
  ping: PingSchema,
} as const satisfies { [T in ClientMessageType]: z.ZodType<ClientMessageOf<T>> };

/**
 * `avatar_transform`, checked by hand: it is the message every client sends 20 times a second, and
 * zod's general path costs several times more than these few comparisons. AvatarTransformSchema
 * stays the definition: what this accepts, the schema accepts and parses to the same value, and
 * what it refuses, the schema refuses (test/protocol/fast-transform.test.ts holds the two to it on
 * generated input). `raw` is a parsed JSON object with `type` "avatar_transform"; undefined means
 * "ask the schema" (for its coded error).
 */
export function parseAvatarTransform(raw: Record<string, unknown>): ClientMessageOf<'avatar_transform'> | undefined {
  const { p, r, seq, anim } = raw;
  if (!isCoords(p, 3) || !isCoords(r, 4)) return undefined;
  if (seq !== undefined && !(typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0)) return undefined;
  if (anim !== undefined && !(typeof anim === 'string' && anim.length <= Limits.MAX_ANIM_LENGTH)) return undefined;
  const message: ClientMessageOf<'avatar_transform'> = { type: 'avatar_transform', p: [p[0]!, p[1]!, p[2]!], r: [r[0]!, r[1]!, r[2]!, r[3]!] };
  if (seq !== undefined) message.seq = seq;
  if (anim !== undefined) message.anim = anim;
  return message;
}

function isCoords(value: unknown, length: number): value is number[] {
  if (!Array.isArray(value) || value.length !== length) return false;
  for (const x of value) {
    if (typeof x !== 'number' || !(x >= -Limits.MAX_ABS_COORD && x <= Limits.MAX_ABS_COORD)) return false;
  }
  return true;
}

// ---------------------------------------------------------------- server -> client

export const RoomStateSchema = z.object({
  type: z.literal('room_state'),
  roomId: IdSchema,
  self: z.object({ userId: IdSchema, sessionId: z.string() }),
  members: z.array(MemberSchema),
  /** The room's recent chat, at most 50, oldest first. */
  chat: z.array(ChatMessageSchema),
  serverTime: Millis,
});
export const MemberJoinedSchema = z.object({ type: z.literal('member_joined'), member: MemberSchema });
export const MemberLeftSchema = z.object({
  type: z.literal('member_left'),
  userId: IdSchema,
  reason: z.enum(values(LeaveReason)),
});
export const BroadcastTransformSchema = TransformSchema.extend({ userId: IdSchema });
export type BroadcastTransform = z.infer<typeof BroadcastTransformSchema>;
export const AvatarTransformBroadcastSchema = z.object({
  type: z.literal('avatar_transform_broadcast'),
  transforms: z.array(BroadcastTransformSchema),
});
export const ChatBroadcastSchema = ChatMessageSchema.extend({ type: z.literal('chat_broadcast') });
export const ChatRejectedSchema = z.object({
  type: z.literal('chat_rejected'),
  reason: z.enum(values(ChatRejectReason)),
  clientMsgId: z.string().optional(),
  retryAfterMs: Millis.optional(),
});
export const RateLimitedSchema = z.object({
  type: z.literal('rate_limited'),
  kind: z.literal('transform'),
  dropped: z.number().int().nonnegative(),
  windowMs: Millis,
});
export const AuthErrorSchema = z.object({
  type: z.literal('auth_error'),
  code: z.enum(values(AuthErrorCode)),
  message: z.string(),
});
export const TokenRefreshedSchema = z.object({ type: z.literal('token_refreshed'), expiresAt: Millis });
export const PongSchema = z.object({
  type: z.literal('pong'),
  ts: z.number().optional(),
  serverTime: Millis,
});
export const ErrorSchema = z.object({
  type: z.literal('error'),
  code: z.enum(values(ErrorCode)),
  message: z.string(),
});

export const ServerMessageSchema = z.discriminatedUnion('type', [
  RoomStateSchema,
  MemberJoinedSchema,
  MemberLeftSchema,
  AvatarTransformBroadcastSchema,
  ChatBroadcastSchema,
  ChatRejectedSchema,
  RateLimitedSchema,
  AuthErrorSchema,
  TokenRefreshedSchema,
  PongSchema,
  ErrorSchema,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ServerMessageType = ServerMessage['type'];
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

// ---------------------------------------------------------------- tokens and HTTP

/** Claims of a `realtimeToken` after verification (section 1). */
export const TokenClaimsSchema = z.object({
  sub: IdSchema,
  room: IdSchema,
  exp: z.number().int(),
  iat: z.number().int(),
  name: DisplayNameSchema.optional(),
  device: DeviceSchema.optional(),
  jti: z.string().optional(),
});
export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

/** Body of `POST /rooms/join`. */
export const JoinRequestSchema = z.object({
  roomId: IdSchema,
  userId: IdSchema,
  displayName: DisplayNameSchema.optional(),
  device: DeviceSchema.optional(),
});
export type JoinRequest = z.infer<typeof JoinRequestSchema>;

/** Response of `POST /rooms/join`. */
export const JoinResponseSchema = z.object({
  realtimeToken: z.string(),
  /** Milliseconds since the epoch. */
  expiresAt: Millis,
  roomId: IdSchema,
  userId: IdSchema,
  wsUrl: z.string(),
});
export type JoinResponse = z.infer<typeof JoinResponseSchema>;

/** Body of every HTTP error the gateway answers. */
export const HttpErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type HttpError = z.infer<typeof HttpErrorSchema>;
