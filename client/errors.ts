/** Errors the SDK rejects promises with. Each carries a code a UI can switch on. */
import type { ChatRejectReason } from '../protocol/index.js';

/** Why a request failed on the client side (not a protocol refusal). */
export type RealtimeErrorCode =
  /** No room is joined (or being joined). */
  | 'not_in_room'
  /** The provider was disconnected or closed for good while the request was pending. */
  | 'closed'
  /** The room was left, or another `joinRoom` superseded this one. */
  | 'left'
  /** No answer in time. */
  | 'timeout'
  /** The token source failed and will not succeed by retrying (for example HTTP 400/404). */
  | 'token_source'
  /** Authentication failed and the SDK stopped retrying. */
  | 'auth_failed'
  /** The server refused the request (`error` message); `serverCode` holds its code. */
  | 'server_error';

export class RealtimeError extends Error {
  override name = 'RealtimeError';
  constructor(
    readonly code: RealtimeErrorCode,
    message: string,
    /** The close code or protocol error code behind it, when there is one. */
    readonly serverCode?: number | string,
  ) {
    super(message);
  }
}

/** `sendChat` was refused by the server (`chat_rejected`). */
export class ChatRejectedError extends Error {
  override name = 'ChatRejectedError';
  constructor(
    readonly reason: ChatRejectReason,
    readonly clientMsgId?: string,
    /** `rate_limited` only: when another message would be accepted. */
    readonly retryAfterMs?: number,
  ) {
    super(`chat rejected: ${reason}${retryAfterMs !== undefined ? ` (retry after ${retryAfterMs} ms)` : ''}`);
  }
}

/** The token source could not produce a token. `retryable` false stops reconnecting. */
export class TokenSourceError extends Error {
  override name = 'TokenSourceError';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** HTTP status of the default source, when there was a response. */
    readonly status?: number,
  ) {
    super(message);
  }
}
