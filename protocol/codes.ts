/**
 * Codes of the wire contract (shared/realtime-protocol.md sections 3 and 5), as data.
 * Gateway, client SDK and scenarios import these tables; nobody writes a code literal twice.
 */

/** WebSocket close codes the gateway sends, and what a client should do about each. */
export const CloseCode = {
  /** Normal closure (the client asked, or the server ended a session on purpose). Do not reconnect. */
  NORMAL: 1000,
  /** The server is going away (shutdown, deploy). Reconnect, to any node. */
  GOING_AWAY: 1001,
  /** An inbound frame was larger than 4 KiB. Do not reconnect: the client is sending what it must not. */
  MESSAGE_TOO_BIG: 1009,
  /** Internal error (for example the store was unusable while joining). Reconnect with backoff. */
  INTERNAL_ERROR: 1011,
  /** Server overloaded. Reconnect with a longer backoff. */
  TRY_AGAIN_LATER: 1013,
  /** Authentication failed (`token_invalid`, `token_missing`, `room_mismatch`). New token, reconnect once. */
  AUTH_FAILED: 4001,
  /** No `join_room` within 5 s of opening. Reconnect. */
  AUTH_TIMEOUT: 4002,
  /** The token expired during the session. Fetch a new token, reconnect. */
  TOKEN_EXPIRED: 4003,
  /** Too many bad messages. Do not reconnect: the client is broken. */
  PROTOCOL_VIOLATION: 4004,
  /** The same user joined the same room on another socket. Do not reconnect (the other socket won). */
  SESSION_REPLACED: 4005,
  /** Rate-limit abuse. Reconnect after a long backoff. */
  RATE_LIMIT_ABUSE: 4008,
  /** The room is at capacity. Do not reconnect. */
  ROOM_FULL: 4009,
  /**
   * [rtgw] Slow consumer: more than `--max-outbound-bytes` (1 MiB) waited unsent on the socket (the
   * client stopped reading, or reads far slower than the room talks). Not a protocol violation:
   * reconnect with backoff (the reconnect is a resume within the grace period, and the new
   * `room_state` replaces what was not read).
   */
  SLOW_CONSUMER: 4010,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** `auth_error.code` values. Each is followed by a close (see `authErrorCloseCode`). */
export const AuthErrorCode = {
  /** `join_room` carried no token. */
  TOKEN_MISSING: 'token_missing',
  /** Bad signature, wrong audience/issuer, disallowed algorithm, malformed claims. */
  TOKEN_INVALID: 'token_invalid',
  /** `exp` is in the past (beyond the 5 s skew), at join or during the session. */
  TOKEN_EXPIRED: 'token_expired',
  /** The token's room is not the room asked for (`join_room.roomId`, or a `refresh_token` for another room). */
  ROOM_MISMATCH: 'room_mismatch',
  /** No `join_room` within 5 s of the socket opening. */
  AUTH_TIMEOUT: 'auth_timeout',
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

/** The close that follows each `auth_error` (contract section 5). */
export const authErrorCloseCode: Record<AuthErrorCode, CloseCode> = {
  token_missing: CloseCode.AUTH_FAILED,
  token_invalid: CloseCode.AUTH_FAILED,
  room_mismatch: CloseCode.AUTH_FAILED,
  token_expired: CloseCode.TOKEN_EXPIRED,
  auth_timeout: CloseCode.AUTH_TIMEOUT,
};

/** `error.code` values: a request was refused; the socket stays open unless a close follows. */
export const ErrorCode = {
  /** Not JSON, not an object, a binary frame, or fields of the wrong type or range. */
  BAD_MESSAGE: 'bad_message',
  /** A JSON object whose `type` the gateway does not know. */
  UNKNOWN_TYPE: 'unknown_type',
  /** A room message (`avatar_transform`, `chat_send`, `leave_room`, `refresh_token`) outside a room. */
  NOT_JOINED: 'not_joined',
  /** The room is at capacity; close 4009 follows. */
  ROOM_FULL: 'room_full',
  /** The gateway could not do it (for example the store was unreachable). */
  INTERNAL: 'internal',
  /** **[rtgw]** Over this socket's budget for the message type (join, refresh, ping); close 4008 follows repeated abuse. */
  RATE_LIMITED: 'rate_limited',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * [rtgw] Why an upgrade to `/realtime` was refused before the WebSocket opened: the `reason` label of
 * `rtgw_connections_refused_total`, and (but for `http_version`, a `bad_request`) the JSON body's
 * `error.code`. The caps answer 503 with `Retry-After`.
 */
export const UpgradeRefusal = {
  /** Not `/realtime` (404). */
  NOT_FOUND: 'not_found',
  /** The node is shutting down (503): connect again, and another node (or this one restarted) answers. */
  SHUTTING_DOWN: 'shutting_down',
  /** Not HTTP/1.1 or later, as RFC 6455 section 4.1 requires (400 `bad_request`). */
  HTTP_VERSION: 'http_version',
  /** The node holds `--max-connections` sockets (503). */
  MAX_CONNECTIONS: 'max_connections',
  /** The client's address (an IPv6 client's /64) holds `--max-connections-per-ip` sockets (503). */
  MAX_CONNECTIONS_PER_IP: 'max_connections_per_ip',
  /** `--max-unauthenticated` sockets have not joined a room yet (503). */
  MAX_UNAUTHENTICATED: 'max_unauthenticated',
} as const;
export type UpgradeRefusal = (typeof UpgradeRefusal)[keyof typeof UpgradeRefusal];

/** `chat_rejected.reason` values. */
export const ChatRejectReason = {
  /** More than 240 code points after trimming. */
  TOO_LONG: 'too_long',
  /** Nothing left after trimming. */
  EMPTY: 'empty',
  /** More than 5 messages in 10 s by this user (all sockets, all nodes); `retryAfterMs` says when. */
  RATE_LIMITED: 'rate_limited',
} as const;
export type ChatRejectReason = (typeof ChatRejectReason)[keyof typeof ChatRejectReason];

/** `member_left.reason` values. */
export const LeaveReason = {
  /** The member sent `leave_room`, or moved its socket to another room. */
  LEFT: 'left',
  /** The member's socket went away and the grace period passed, or its node died. */
  DISCONNECTED: 'disconnected',
  /** Reserved by the contract; the v1 gateway treats replacement as a silent resume (docs/realtime-protocol.md). */
  REPLACED: 'replaced',
  /** The member's token expired without a refresh. */
  EXPIRED: 'expired',
  /** Removed by the server (protocol violation, rate-limit abuse). */
  KICKED: 'kicked',
} as const;
export type LeaveReason = (typeof LeaveReason)[keyof typeof LeaveReason];

/** Devices a token may name; each has its own transform rate limit. */
export const Device = { DESKTOP: 'desktop', MOBILE: 'mobile' } as const;
export type Device = (typeof Device)[keyof typeof Device];

/** Transforms per second a member may send, by device (contract section 3). */
export const TRANSFORM_RATE_PER_SECOND: Record<Device, number> = { desktop: 20, mobile: 15 };

/** Protocol limits, in one place. */
export const Limits = {
  /** Largest inbound frame in bytes; larger closes with 1009. */
  MAX_FRAME_BYTES: 4096,
  /** Chat text length in Unicode code points, after trimming. */
  CHAT_MAX_CODE_POINTS: 240,
  /** Anti-spam: chat messages per user per window. */
  CHAT_MAX_PER_WINDOW: 5,
  CHAT_WINDOW_MS: 10_000,
  /** Chat messages a `room_state` carries. */
  CHAT_HISTORY: 50,
  /** Milliseconds a socket has to send `join_room`. */
  AUTH_TIMEOUT_MS: 5_000,
  /** Clock skew tolerated on `exp`, `iat`, `nbf`. */
  CLOCK_SKEW_S: 5,
  /** Largest |coordinate| in positions and rotations. */
  MAX_ABS_COORD: 1e6,
  /** Longest `anim`, `clientMsgId`, display name. */
  MAX_ANIM_LENGTH: 32,
  MAX_CLIENT_MSG_ID_LENGTH: 64,
  MAX_DISPLAY_NAME_LENGTH: 32,
  /** Default presence grace period after a socket goes away without `leave_room`. */
  PRESENCE_GRACE_MS: 5_000,
} as const;

/** Ids (`sub`, `room`): 1..64 characters of `[A-Za-z0-9_.:-]`. */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
