/**
 * What each server message does to a WebSocket client: parse, check, dispatch. The hot path is
 * `avatar_transform_broadcast` (many per second per room): one JSON.parse, a type lookup, one
 * store update, one event.
 *
 * The gateway builds every message from the protocol's zod schemas, so the SDK does not re-run
 * them here: that would put zod (~100 KiB gzipped) into the browser bundle. It checks what would
 * crash it (an object, a known `type`, arrays where it iterates) and trusts the rest.
 */
import type { AuthErrorCode, ChatMessage, ServerMessage, ServerMessageOf, ServerMessageType } from '../protocol/index.js';
import type { Emitter } from './emitter.js';
import { applyRoomMessage, isRoomMessage, type RoomStore } from './state.js';
import type { ChatRejectedEvent, RealtimeEvents } from './types.js';
import { frameText } from './websocket.js';

/** The provider as the inbound dispatcher sees it. */
export interface InboundTarget {
  readonly room: string | null;
  readonly joined: boolean;
  readonly store: RoomStore;
  readonly events: Emitter<RealtimeEvents>;
  onJoined(msg: ServerMessageOf<'room_state'>): void;
  onOwnChat(message: ChatMessage): void;
  onChatRejected(event: ChatRejectedEvent): void;
  onAuthError(code: AuthErrorCode, message: string): void;
  onTokenRefreshed(expiresAt: number): void;
  onPong(ts: number | undefined, serverTime: number): void;
}

export function handleFrame(target: InboundTarget, data: unknown): void {
  const text = frameText(data);
  if (text === undefined) return;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return; // Not ours to fix; the server only sends JSON.
  }
  // Unknown types are ignored: a newer gateway may add messages (the contract allows it).
  const msg = asServerMessage(json);
  if (msg) handleMessage(target, msg);
}

/** Every server message type, checked against the schemas' union by the compiler. */
const SERVER_TYPES: Record<ServerMessageType, true> = {
  room_state: true, member_joined: true, member_left: true, avatar_transform_broadcast: true, chat_broadcast: true,
  chat_rejected: true, rate_limited: true, auth_error: true, token_refreshed: true, pong: true, error: true,
};

export function asServerMessage(json: unknown): ServerMessage | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const m = json as Record<string, unknown>;
  if (typeof m.type !== 'string' || !Object.hasOwn(SERVER_TYPES, m.type)) return undefined;
  if (m.type === 'avatar_transform_broadcast' && !Array.isArray(m.transforms)) return undefined;
  if (m.type === 'room_state' && (!Array.isArray(m.members) || !Array.isArray(m.chat) || typeof m.roomId !== 'string')) return undefined;
  if (m.type === 'member_joined' && (typeof m.member !== 'object' || m.member === null)) return undefined;
  return json as ServerMessage;
}

export function handleMessage(target: InboundTarget, msg: ServerMessage): void {
  if (isRoomMessage(msg)) {
    // While a join is in flight (first join or moving rooms), the previous room's traffic is stale.
    if (!target.joined) return;
    applyRoomMessage(target.store, target.events, msg);
    if (msg.type === 'chat_broadcast' && msg.clientMsgId !== undefined && msg.userId === target.store.self?.userId) {
      const { type: _type, ...message } = msg;
      target.onOwnChat(message);
    }
    return;
  }
  switch (msg.type) {
    case 'room_state':
      if (msg.roomId === target.room) target.onJoined(msg);
      return;
    case 'chat_rejected': {
      const { type: _type, ...event } = msg;
      target.onChatRejected(event);
      return;
    }
    case 'rate_limited':
      target.events.emit('notice', {
        kind: 'rate_limited', what: 'transform', source: 'server', dropped: msg.dropped, windowMs: msg.windowMs,
        message: `the server dropped ${msg.dropped} transforms in ${msg.windowMs} ms`,
      });
      return;
    case 'auth_error':
      target.onAuthError(msg.code, msg.message);
      return;
    case 'token_refreshed':
      target.onTokenRefreshed(msg.expiresAt);
      return;
    case 'pong':
      target.onPong(msg.ts, msg.serverTime);
      return;
    case 'error':
      target.events.emit('notice', { kind: 'error', code: msg.code, message: msg.message });
      return;
  }
}
