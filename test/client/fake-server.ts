/**
 * A hookable fake gateway for client tests: a real `ws` WebSocketServer and HTTP issuer on port 0
 * that speak the contract (join/leave, presence with a grace period, transforms with the rate
 * window, chat with echo/rejections/anti-spam, token refresh and expiry, ping) and let a test make
 * it misbehave: drop sockets, close with a code, refuse tokens, go silent, fail the issuer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ulid } from 'ulid';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AuthErrorCode, ClientMessageSchema, CloseCode, JoinRequestSchema, Limits, TRANSFORM_RATE_PER_SECOND, authErrorCloseCode,
  type ChatMessage, type ClientMessage, type Device, type Member, type ServerMessage, type Transform,
} from '../../protocol/index.js';

interface Claims { sub: string; room: string; exp: number; name: string; device: Device }

export interface FakeConn {
  socket: WebSocket;
  claims?: Claims;
  roomId?: string;
  sessionId: string;
  received: ClientMessage[];
  transformTimes: number[];
  expiryTimer?: NodeJS.Timeout;
}

export interface FakeGatewayOptions {
  port?: number;
  /** Lifetime of issued tokens. Default 60 s. */
  tokenTtlMs?: number;
  graceMs?: number;
  authTimeoutMs?: number;
  rateLimitDebug?: boolean;
  maxRoomSize?: number;
}

export class FakeGateway {
  // ---- hooks a test sets
  /** Refuse the next N `join_room`s with `auth_error` token_invalid and 4001. */
  refuseJoins = 0;
  /** Answer the next N `refresh_token`s with `auth_error` token_invalid and 4001. */
  refuseRefreshes = 0;
  /** Store and broadcast the next N chats, but do not echo them to their sender (an echo lost in a drop). */
  swallowEchoes = 0;
  /** Ignore every inbound message and send nothing (a silently dead connection). */
  silent = false;
  /** Fail the next N `POST /rooms/join` with this HTTP status. */
  issuerFailure: { status: number; count: number } | null = null;
  // ---- what a test observes
  readonly conns = new Set<FakeConn>();
  readonly tokensIssued: Claims[] = [];
  joins = 0;
  refreshes = 0;
  connections = 0;
  droppedTransforms = 0;
  readonly closesSent: number[] = [];
  private readonly counted = new Map<string, number>();
  private readonly countWaiters: Array<{ type: string; n: number; resolve(): void }> = [];

  private http!: Server;
  private wss!: WebSocketServer;
  private readonly rooms = new Map<string, { members: Map<string, Member & { transform?: Transform }>; chat: ChatMessage[]; owner: Map<string, FakeConn> }>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private readonly chatTimes = new Map<string, number[]>();
  port = 0;

  private constructor(private readonly o: Required<Omit<FakeGatewayOptions, 'port'>>) {}

  static async start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const g = new FakeGateway({ tokenTtlMs: 60_000, graceMs: 5000, authTimeoutMs: Limits.AUTH_TIMEOUT_MS, rateLimitDebug: false, maxRoomSize: 50, ...options });
    await g.listen(options.port ?? 0);
    return g;
  }

  /** Resolves once `n` client messages of `type` have arrived in total (over all sockets). */
  received(type: ClientMessage['type'], n: number): Promise<void> {
    if ((this.counted.get(type) ?? 0) >= n) return Promise.resolve();
    return new Promise((resolve) => this.countWaiters.push({ type, n, resolve }));
  }

  get url(): string { return `http://127.0.0.1:${this.port}`; }
  get wsUrl(): string { return `ws://127.0.0.1:${this.port}/realtime`; }

  /** Abruptly kill every socket (no close frame; clients see 1006). */
  dropAll(): void { for (const c of this.conns) c.socket.terminate(); }

  /** Close every socket with `code` (a bare close, no `auth_error` before it). */
  closeAll(code: number, reason = ''): void {
    for (const c of this.conns) this.closeConn(c, code, reason);
  }

  /** Stop and start again on the same port (a gateway restart): sockets close with 1001, state is lost. */
  async restart(): Promise<void> {
    await this.close();
    this.rooms.clear();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const c of this.conns) this.closeConn(c, CloseCode.GOING_AWAY, 'restart');
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async listen(port: number): Promise<void> {
    this.http = createServer((req, res) => void this.handleHttp(req, res));
    this.wss = new WebSocketServer({ server: this.http, path: '/realtime' });
    this.wss.on('connection', (socket) => this.onConnection(socket));
    await new Promise<void>((resolve) => this.http.listen(port, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'POST' || req.url !== '/rooms/join') return reply(404, { error: { code: 'not_found', message: 'no such route' } });
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (this.issuerFailure && this.issuerFailure.count-- > 0) return reply(this.issuerFailure.status, { error: { code: 'fake_failure', message: 'issuer failure' } });
    const parsed = JoinRequestSchema.safeParse(JSON.parse(raw || '{}'));
    if (!parsed.success) return reply(400, { error: { code: 'bad_request', message: parsed.error.issues[0]!.message } });
    const { roomId, userId, displayName, device } = parsed.data;
    const claims: Claims = { sub: userId, room: roomId, exp: Date.now() + this.o.tokenTtlMs, name: displayName ?? userId, device: device ?? 'desktop' };
    this.tokensIssued.push(claims);
    const token = `fake.${this.tokensIssued.length}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    reply(200, { realtimeToken: token, expiresAt: claims.exp, roomId, userId, wsUrl: this.wsUrl });
  }

  private onConnection(socket: WebSocket): void {
    this.connections++;
    const conn: FakeConn = { socket, sessionId: ulid(), received: [], transformTimes: [] };
    this.conns.add(conn);
    const authTimer = setTimeout(() => this.authFail(conn, AuthErrorCode.AUTH_TIMEOUT), this.o.authTimeoutMs);
    socket.on('message', (data) => {
      if (this.silent) return;
      clearTimeout(authTimer);
      const parsed = ClientMessageSchema.safeParse(safeJson(String(data)));
      if (!parsed.success) return this.send(conn, { type: 'error', code: 'bad_message', message: 'bad message' });
      conn.received.push(parsed.data);
      this.count(parsed.data.type);
      this.onMessage(conn, parsed.data);
    });
    socket.on('close', () => {
      clearTimeout(authTimer);
      clearTimeout(conn.expiryTimer);
      this.conns.delete(conn);
      this.detach(conn, 'disconnected');
    });
  }

  private count(type: string): void {
    const n = (this.counted.get(type) ?? 0) + 1;
    this.counted.set(type, n);
    for (const w of [...this.countWaiters]) {
      if (w.type === type && n >= w.n) {
        this.countWaiters.splice(this.countWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  private onMessage(conn: FakeConn, msg: ClientMessage): void {
    const now = Date.now();
    switch (msg.type) {
      case 'ping':
        return this.send(conn, { type: 'pong', ts: msg.ts, serverTime: now });
      case 'join_room': {
        const claims = verify(msg.token);
        if (!claims || this.refuseJoins-- > 0) return this.authFail(conn, AuthErrorCode.TOKEN_INVALID);
        if (msg.roomId !== undefined && msg.roomId !== claims.room) return this.authFail(conn, AuthErrorCode.ROOM_MISMATCH);
        if (claims.exp <= now) return this.authFail(conn, AuthErrorCode.TOKEN_EXPIRED);
        return this.join(conn, claims);
      }
      case 'refresh_token': {
        this.refreshes++;
        const claims = verify(msg.token);
        const cur = conn.claims;
        if (!cur || !claims || this.refuseRefreshes-- > 0 || claims.sub !== cur.sub || claims.room !== cur.room || claims.exp <= cur.exp) {
          return this.authFail(conn, AuthErrorCode.TOKEN_INVALID);
        }
        this.armExpiry(conn, claims);
        return this.send(conn, { type: 'token_refreshed', expiresAt: claims.exp });
      }
    }
    const room = conn.roomId ? this.rooms.get(conn.roomId) : undefined;
    if (!room || !conn.claims) return this.send(conn, { type: 'error', code: 'not_joined', message: 'join a room first' });
    const userId = conn.claims.sub;
    switch (msg.type) {
      case 'leave_room':
        return this.detach(conn, 'left');
      case 'avatar_transform': {
        conn.transformTimes = conn.transformTimes.filter((t) => now - t < 1000);
        if (conn.transformTimes.length >= TRANSFORM_RATE_PER_SECOND[conn.claims.device]) {
          this.droppedTransforms++;
          if (this.o.rateLimitDebug) this.send(conn, { type: 'rate_limited', kind: 'transform', dropped: 1, windowMs: 1000 });
          return;
        }
        conn.transformTimes.push(now);
        const { type: _t, ...rest } = msg;
        const transform = { ...rest, ts: now };
        room.members.get(userId)!.transform = transform;
        return this.broadcast(conn.roomId!, { type: 'avatar_transform_broadcast', transforms: [{ userId, ...transform }] }, conn);
      }
      case 'chat_send': {
        const text = msg.text.trim();
        const reject = (reason: 'empty' | 'too_long' | 'rate_limited', retryAfterMs?: number) =>
          this.send(conn, { type: 'chat_rejected', reason, clientMsgId: msg.clientMsgId, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
        if (text === '') return reject('empty');
        if ([...text].length > Limits.CHAT_MAX_CODE_POINTS) return reject('too_long');
        const times = (this.chatTimes.get(userId) ?? []).filter((t) => now - t < Limits.CHAT_WINDOW_MS);
        this.chatTimes.set(userId, times);
        if (times.length >= Limits.CHAT_MAX_PER_WINDOW) return reject('rate_limited', times[0]! + Limits.CHAT_WINDOW_MS - now);
        times.push(now);
        const message: ChatMessage = { id: ulid(), roomId: conn.roomId!, userId, displayName: conn.claims.name, text, ts: now, ...(msg.clientMsgId ? { clientMsgId: msg.clientMsgId } : {}) };
        room.chat.push(message);
        if (room.chat.length > Limits.CHAT_HISTORY) room.chat.shift();
        return this.broadcast(conn.roomId!, { type: 'chat_broadcast', ...message }, this.swallowEchoes-- > 0 ? conn : undefined);
      }
    }
  }

  private join(conn: FakeConn, claims: Claims): void {
    if (conn.roomId && conn.roomId !== claims.room) this.detach(conn, 'left');
    let room = this.rooms.get(claims.room);
    if (!room) this.rooms.set(claims.room, (room = { members: new Map(), chat: [], owner: new Map() }));
    const key = `${claims.room}/${claims.sub}`;
    const resumed = this.graceTimers.has(key) || room.members.has(claims.sub);
    clearTimeout(this.graceTimers.get(key));
    this.graceTimers.delete(key);
    if (!resumed && room.members.size >= this.o.maxRoomSize) {
      this.send(conn, { type: 'error', code: 'room_full', message: 'room is full' });
      return this.closeConn(conn, CloseCode.ROOM_FULL, 'room full');
    }
    const previous = room.owner.get(claims.sub);
    if (previous && previous !== conn) {
      previous.roomId = undefined;
      this.closeConn(previous, CloseCode.SESSION_REPLACED, 'session replaced');
    }
    conn.claims = claims;
    conn.roomId = claims.room;
    room.owner.set(claims.sub, conn);
    const member: Member = room.members.get(claims.sub) ?? { userId: claims.sub, displayName: claims.name, device: claims.device, joinedAt: Date.now() };
    room.members.set(claims.sub, member);
    this.joins++;
    this.armExpiry(conn, claims);
    this.send(conn, {
      type: 'room_state', roomId: claims.room, self: { userId: claims.sub, sessionId: conn.sessionId },
      members: [...room.members.values()], chat: [...room.chat], serverTime: Date.now(),
    });
    if (!resumed) this.broadcast(claims.room, { type: 'member_joined', member }, conn);
  }

  /** The socket leaves its room: at once for `left`, after the grace period for `disconnected`. */
  private detach(conn: FakeConn, reason: 'left' | 'disconnected'): void {
    const roomId = conn.roomId;
    const userId = conn.claims?.sub;
    conn.roomId = undefined;
    const room = roomId ? this.rooms.get(roomId) : undefined;
    if (!room || !userId || room.owner.get(userId) !== conn) return;
    room.owner.delete(userId);
    const remove = () => {
      this.graceTimers.delete(`${roomId}/${userId}`);
      if (room.owner.has(userId)) return;
      room.members.delete(userId);
      this.broadcast(roomId!, { type: 'member_left', userId, reason });
    };
    if (reason === 'left') return remove();
    this.graceTimers.set(`${roomId}/${userId}`, setTimeout(remove, this.o.graceMs));
  }

  private armExpiry(conn: FakeConn, claims: Claims): void {
    conn.claims = claims;
    clearTimeout(conn.expiryTimer);
    conn.expiryTimer = setTimeout(() => this.authFail(conn, AuthErrorCode.TOKEN_EXPIRED), Math.max(0, claims.exp - Date.now()));
  }

  private authFail(conn: FakeConn, code: AuthErrorCode): void {
    this.send(conn, { type: 'auth_error', code, message: code });
    this.closeConn(conn, authErrorCloseCode[code], code);
  }

  private closeConn(conn: FakeConn, code: number, reason: string): void {
    this.closesSent.push(code);
    clearTimeout(conn.expiryTimer);
    conn.socket.close(code, reason);
  }

  private broadcast(roomId: string, msg: ServerMessage, except?: FakeConn): void {
    for (const c of this.conns) if (c.roomId === roomId && c !== except) this.send(c, msg);
  }

  private send(conn: FakeConn, msg: ServerMessage): void {
    if (!this.silent && conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(msg));
  }
}

function verify(token: string): Claims | undefined {
  const [scheme, , payload] = token.split('.');
  if (scheme !== 'fake' || !payload) return undefined;
  return safeJson(Buffer.from(payload, 'base64url').toString()) as Claims | undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
