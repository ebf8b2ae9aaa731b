/**
 * One WebSocket at a time: get a token, open the socket, watch it (liveness, connect timeout), and
 * report frames and the end of the socket to the provider. Callbacks of an abandoned socket or of
 * an abandoned attempt never reach the provider (a generation number guards every one of them).
 */
import { CloseCode, type ClientMessage } from '../protocol/index.js';
import { Timer } from './clock.js';
import { TokenSourceError } from './errors.js';
import { Liveness } from './liveness.js';
import type { HeldToken, TokenCache } from './token-source.js';
import type { Clock, WebSocketConstructor, WebSocketLike } from './types.js';
import { defaultWsUrl, OPEN, resolveWebSocket } from './websocket.js';

export interface ConnectionOptions {
  clock: Clock;
  tokens: TokenCache;
  WebSocket?: WebSocketConstructor;
  wsUrl?: string;
  url?: string;
  connectTimeoutMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
}

export interface ConnectionHooks {
  /** The socket is open (or a room change was asked on an open socket): send `join_room` with this token. */
  opened(token: HeldToken): void;
  frame(data: unknown): void;
  /** The current socket is gone: closed by the server, by the network (1006), or dropped as dead. */
  closed(code: number, reason: string): void;
  /**
   * No socket could be made. `fatal`: retrying cannot help (the token source said so, no WebSocket
   * implementation, a malformed URL); otherwise it is worth another attempt (network trouble).
   */
  failed(err: Error, fatal: boolean): void;
}

/** Close code this client uses when it abandons a socket it believes dead (browsers cannot terminate). */
const CLIENT_GAVE_UP = 4000;

export class WsConnection {
  private socket: WebSocketLike | null = null;
  private generation = 0;
  private opening = false;
  /** The next token request skips the cache (after 4001 / 4003 / a refused refresh). */
  freshToken = false;
  private readonly liveness: Liveness;
  private readonly joinTimer: Timer;

  constructor(private readonly o: ConnectionOptions, private readonly hooks: ConnectionHooks) {
    this.liveness = new Liveness(o.clock, o.pingIntervalMs, o.pongTimeoutMs,
      (ts) => this.send({ type: 'ping', ts }), () => this.drop('liveness timeout: no answer to ping'));
    this.joinTimer = new Timer(o.clock);
  }

  /** A socket exists or is being made. */
  get active(): boolean {
    return this.socket !== null || this.opening;
  }

  get isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN;
  }

  /** Get a token for `roomId`, open a socket, and call `opened` once it is open. */
  async open(roomId: string): Promise<void> {
    this.close(CloseCode.NORMAL, 'reopening');
    const gen = this.generation;
    this.opening = true;
    let token: HeldToken;
    try {
      token = await this.o.tokens.get(roomId, this.freshToken);
    } catch (err) {
      // An app's getToken may throw anything (a browser fetch throws TypeError offline): only an
      // explicit non-retryable TokenSourceError ends the session.
      if (gen === this.generation) this.fail(err, err instanceof TokenSourceError && !err.retryable);
      return;
    }
    try {
      const Ctor = await resolveWebSocket(this.o.WebSocket);
      if (gen !== this.generation) return;
      this.freshToken = false;
      const url = this.o.wsUrl ?? token.wsUrl ?? (this.o.url ? defaultWsUrl(this.o.url) : undefined);
      if (!url) throw new TypeError('no WebSocket URL: pass options.wsUrl or options.url');
      this.socket = new Ctor(url);
    } catch (err) {
      // No WebSocket implementation, or a URL the constructor refuses: retrying will not help.
      if (gen === this.generation) this.fail(err, true);
      return;
    }
    this.opening = false;
    const socket = this.socket;
    this.joinTimer.start(this.o.connectTimeoutMs, () => this.drop('connect timeout'));
    socket.onopen = () => {
      if (gen !== this.generation) return;
      this.liveness.start();
      this.hooks.opened(token);
    };
    socket.onmessage = (ev: { data: unknown }) => {
      if (gen !== this.generation) return;
      this.liveness.received();
      this.hooks.frame(ev.data);
    };
    socket.onclose = (ev: { code?: number; reason?: string }) => {
      if (gen !== this.generation) return;
      this.forget();
      this.hooks.closed(ev.code ?? 1006, ev.reason || describeClose(ev.code));
    };
    // An error is always followed by a close, whose code decides what happens.
    socket.onerror = () => {};
  }

  /** Ask for another room on the open socket (the gateway moves a socket on a second `join_room`). */
  async rejoin(roomId: string): Promise<void> {
    const gen = this.generation;
    this.joinTimer.start(this.o.connectTimeoutMs, () => this.drop('join timeout'));
    let token: HeldToken;
    try {
      token = await this.o.tokens.get(roomId, this.freshToken);
    } catch (err) {
      if (gen === this.generation) {
        this.close(CloseCode.NORMAL, 'token source failed');
        this.hooks.failed(toError(err), err instanceof TokenSourceError && !err.retryable);
      }
      return;
    }
    if (gen !== this.generation) return;
    this.freshToken = false;
    this.hooks.opened(token);
  }

  /** `room_state` arrived: the join is complete. */
  joined(): void {
    this.joinTimer.stop();
  }

  send(msg: ClientMessage): void {
    const s = this.socket;
    if (!s || s.readyState !== OPEN) return;
    try {
      s.send(JSON.stringify(msg));
    } catch {
      // The socket is closing; its close event drives what happens next.
    }
  }

  /** Close the socket (or abandon the attempt) without reporting it to the provider. */
  close(code: number, reason: string): void {
    const s = this.socket;
    this.forget();
    if (!s) return;
    s.onopen = s.onmessage = s.onclose = null;
    s.onerror = () => {};
    try {
      if (code === CLIENT_GAVE_UP && typeof s.terminate === 'function') s.terminate();
      else s.close(code, reason.slice(0, 120));
    } catch {
      // Closing a socket that never opened throws in some runtimes; it is gone either way.
    }
  }

  /** Treat the socket as dead now (no answer, timeout, refused refresh): report it as 1006. */
  drop(reason: string): void {
    if (!this.socket) return;
    this.close(CLIENT_GAVE_UP, reason);
    this.hooks.closed(1006, reason);
  }

  private fail(err: unknown, fatal: boolean): void {
    this.opening = false;
    this.hooks.failed(toError(err), fatal);
  }

  private forget(): void {
    this.socket = null;
    this.opening = false;
    this.generation++;
    this.liveness.stop();
    this.joinTimer.stop();
  }
}

function describeClose(code: number | undefined): string {
  const name = Object.entries(CloseCode).find(([, v]) => v === code)?.[0];
  if (name) return name.toLowerCase().replace(/_/g, ' ');
  return code === 1006 || code === undefined ? 'connection lost' : `closed with ${code}`;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
