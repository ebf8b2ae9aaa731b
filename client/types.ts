/**
 * The client SDK's whole public type surface: the provider interface, its typed event map, state
 * snapshots, and the options of every provider (a comment per field, defaults stated).
 *
 * Wire shapes come from the protocol's zod schemas (`z.infer`); nothing here re-declares them.
 */
import type {
  BroadcastTransform,
  ChatMessage,
  ChatRejectReason,
  Device,
  Member,
  ServerMessageOf,
  Transform,
} from '../protocol/index.js';

export type { BroadcastTransform, ChatMessage, Device, Member, Transform };

/** Position `[x, y, z]`. */
export type Vec3 = Transform['p'];
/** Rotation quaternion `[x, y, z, w]`. */
export type Quat = Transform['r'];

// ---------------------------------------------------------------- platform

/** Time and timers. Injected so tests (and the simulation) are deterministic. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The part of a WebSocket the SDK uses. The browser's `WebSocket` and the `ws` package both fit.
 * Handler parameters are `any` because the two platforms type their event objects differently.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake. */
  terminate?(): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** A `fetch` compatible function (the global one in browsers and Node >= 18). */
export type FetchLike = (input: string, init?: {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

/** What a token source hands back for a room. */
export interface RealtimeToken {
  /** The `realtimeToken` (JWT) to send in `join_room` / `refresh_token`. */
  token: string;
  /** When it expires, milliseconds since the epoch (server clock). */
  expiresAt: number;
  /** WebSocket URL to use with it (the dev issuer returns one); `wsUrl` in the options wins. */
  wsUrl?: string;
}

/** Fetches a token for a room. Called at join, on 4001/4003, before refresh, after expiry offline. */
export type GetToken = (roomId: string) => Promise<RealtimeToken>;

// ---------------------------------------------------------------- connection and notices

/**
 * - `idle`: not connected and nothing to do (before the first join, or after a drop while in no room)
 * - `connecting`: first attempt (token, socket, join) in progress
 * - `open`: the socket is open and, when a room is wanted, joined
 * - `reconnecting`: the connection was lost; retrying (see `retryInMs`)
 * - `closed`: terminal until `connect()` / `joinRoom()` again (`disconnect()`, or a close code that
 *   says "do not reconnect", or authentication that failed twice)
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Why the status changed (close reason, `auth_error` code, `liveness timeout`, `client disconnect`, ...). */
  reason?: string;
  /** The WebSocket close code behind this state, when there was one (1006 for a dead connection). */
  closeCode?: number;
  /** Consecutive failed attempts since the last successful join. */
  attempt?: number;
  /** `reconnecting` only: the delay before the next attempt. */
  retryInMs?: number;
  /** `reconnecting` only: `long` after 1013 / 4008. */
  backoff?: 'normal' | 'long';
}

/** Things a UI would toast. `message` is human-readable English. */
export type Notice =
  | { kind: 'auth_error'; code: string; message: string; /** The SDK will get a new token and retry. */ willRetry: boolean }
  | {
      kind: 'rate_limited';
      /** `transform`: transforms were dropped or coalesced; `chat`: `chat_rejected` `rate_limited`. */
      what: 'transform' | 'chat';
      /** `server`: the gateway refused or dropped; `client`: the SDK's pacer coalesced (debug flag only). */
      source: 'server' | 'client';
      message: string;
      dropped?: number;
      windowMs?: number;
      retryAfterMs?: number;
    }
  | { kind: 'disconnected'; message: string; closeCode?: number; willReconnect: boolean }
  | { kind: 'reconnected'; message: string; /** From losing the room to being back in it. */ downtimeMs: number }
  | { kind: 'error'; code: string; message: string };

// ---------------------------------------------------------------- state and events

/** The room as a UI renders it: members (with their latest transforms) and recent chat. */
export interface RoomSnapshot {
  roomId: string;
  self: ServerMessageOf<'room_state'>['self'];
  /** Everyone the server listed, including this client's own member; each with its latest transform. */
  members: Member[];
  /** Recent chat, oldest first (sorted by id), deduplicated by id. */
  chat: ChatMessage[];
  /** True when this snapshot was rebuilt after a reconnect. */
  rejoined: boolean;
}

/** `getState()`: a copy, safe to keep; later events do not mutate it. */
export interface RealtimeState {
  connection: ConnectionState;
  /** The room this client is in, or null. */
  roomId: string | null;
  self: RoomSnapshot['self'] | null;
  members: Member[];
  chat: ChatMessage[];
}

export type MemberLeftEvent = Omit<ServerMessageOf<'member_left'>, 'type'>;
export type ChatRejectedEvent = Omit<ServerMessageOf<'chat_rejected'>, 'type'>;

/** Event names and handler signatures of `provider.on(name, handler)`. */
export interface RealtimeEvents {
  /** A join (or rejoin after a reconnect) completed: the full room. */
  roomState: (room: RoomSnapshot) => void;
  /** Another member joined. */
  memberJoined: (member: Member) => void;
  /** Another member left. */
  memberLeft: (event: MemberLeftEvent) => void;
  /** Other members moved (one event can carry several members; newest per member). */
  transforms: (transforms: BroadcastTransform[]) => void;
  /**
   * A chat message this client had not seen: live, the echo of its own, or missed while reconnecting.
   * Fires once per message id. History delivered with the first `roomState` of a join is not re-fired.
   */
  chat: (message: ChatMessage) => void;
  /** The server refused one of this client's chat messages. */
  chatRejected: (event: ChatRejectedEvent) => void;
  connectionState: (state: ConnectionState) => void;
  notice: (notice: Notice) => void;
}
export type RealtimeEventName = keyof RealtimeEvents;

/** Optional fields of a transform besides position and rotation. */
export interface TransformExtras {
  /** Animation name, at most 32 characters. */
  anim?: string;
}

/** What apps program against; the real gateway or a simulation may be behind it. */
export interface RealtimeProvider {
  /** `ws` or `sim`. */
  readonly kind: 'ws' | 'sim';
  /** Go online. The socket opens once there is a room to join (the gateway wants `join_room` first). */
  connect(): Promise<void>;
  /** Leave the room (others see `member_left` at once), close with 1000, stop reconnecting. */
  disconnect(): Promise<void>;
  /** Join (or move to) a room; resolves with its state. Goes online if needed. */
  joinRoom(roomId: string): Promise<RoomSnapshot>;
  /** Leave the current room; the connection stays open. */
  leaveRoom(): Promise<void>;
  /** Queue this client's transform; paced to the device's rate, only the newest pending is sent. */
  sendTransform(p: Vec3, r: Quat, extras?: TransformExtras): void;
  /** Resolves with the server's echo; rejects with `ChatRejectedError` (reason) or `RealtimeError`. */
  sendChat(text: string): Promise<ChatMessage>;
  on<K extends RealtimeEventName>(event: K, handler: RealtimeEvents[K]): () => void;
  getState(): RealtimeState;
  /** Best estimate of the server's clock, the timebase of transform `ts` (for interpolation). */
  serverNow(): number;
}

// ---------------------------------------------------------------- options

/** Options every provider takes. */
export interface BaseProviderOptions {
  /** This client's user id (token `sub`): 1..64 characters of `[A-Za-z0-9_.:-]`. */
  userId: string;
  /** Shown to others; 1..32 characters. Default: `userId`. */
  displayName?: string;
  /** Selects the transform rate (desktop 20/s, mobile 15/s). Default `desktop`. */
  device?: Device;
  /** Time source and timers. Default: `Date.now` and the global timers. */
  clock?: Clock;
  /** Uniform random numbers in [0, 1). Default `Math.random` (ws) or a PRNG seeded with `seed` (sim). */
  random?: () => number;
  /** When on, `notice` also reports client-side transform coalescing and server `rate_limited`. Default false. */
  rateLimitDebug?: boolean;
}

export interface WsProviderOptions extends BaseProviderOptions {
  /** Gateway base URL (`http://localhost:8080`): the default token source posts to `{url}/rooms/join`. */
  url?: string;
  /** WebSocket URL. Default: the token's `wsUrl`, else `url` with `ws(s)://` and path `/realtime`. */
  wsUrl?: string;
  /** Token source for apps with their own rooms service. Default: `POST {url}/rooms/join`. */
  getToken?: GetToken;
  /** WebSocket constructor. Default: the global `WebSocket`, else `ws` loaded lazily (Node). */
  WebSocket?: WebSocketConstructor;
  /** Used by the default token source. Default: the global `fetch`. */
  fetch?: FetchLike;
  /** First reconnect delay ceiling; doubles per failure (full jitter). Default 250 ms. */
  reconnectIntervalMs?: number;
  /** Largest normal reconnect delay. Default 4000 ms. */
  maxReconnectDelayMs?: number;
  /** Base delay after 1013 / 4008 (doubling, capped at 6x). Default 10000 ms. */
  longReconnectDelayMs?: number;
  /** Application `ping` period while connected. Default 2000 ms. */
  pingIntervalMs?: number;
  /** A connection with no inbound message this long after a `ping` is dead. Default 2000 ms. */
  pongTimeoutMs?: number;
  /** Give up on an attempt (socket open + `room_state`) after this long. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Refresh the token at this fraction of its lifetime. Default 0.8. */
  refreshAt?: number;
  /** `sendChat` rejects with `RealtimeError('timeout')` after this long without an echo. Default 10000 ms. */
  chatTimeoutMs?: number;
  /** Fraction of the device's transform rate to use, leaving the rest as a safety margin. Default 0.9. */
  transformRateSafety?: number;
}

export interface SimProviderOptions extends BaseProviderOptions {
  /** Simulated members besides this client. Default 3. */
  members?: number;
  /** PRNG seed: the same seed and clock give the same session. Default 1. */
  seed?: number;
  /** Simulated one-way latency. Default 20 ms. */
  latencyMs?: number;
  /** Transform broadcasts per second of the simulated members. Default 10. */
  tickHz?: number;
  /** Mean time between chat messages of one simulated member. Default 15000 ms; 0 disables. */
  chatEveryMs?: number;
  /** Half-width of the square floor members walk on, in metres. Default 10. */
  areaSize?: number;
}

/** Which provider `createRealtimeProvider` builds. */
export type ProviderKind = 'ws' | 'sim';

/** Environment-style flags: `process.env` in Node, a config object in browsers. */
export interface RealtimeFlagValues {
  REALTIME_PROVIDER?: string;
  USE_MOCK_REALTIME?: string;
  REALTIME_RECONNECT_INTERVAL_MS?: string;
  REALTIME_RATE_LIMIT_DEBUG?: string;
}

export interface CreateRealtimeProviderOptions extends WsProviderOptions, SimProviderOptions {
  /** `ws` or `sim`. Wins over the flags. Default from the flags, else `ws`. */
  provider?: ProviderKind;
  /** Flag values. Default: `process.env` in Node, none in browsers. Explicit options win over them. */
  env?: RealtimeFlagValues & Record<string, string | undefined>;
}
