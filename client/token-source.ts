/**
 * Where tokens come from: the default source (the gateway's development issuer, `POST
 * {url}/rooms/join`) or an app's own `getToken`, plus the cache that decides when a token is too
 * old to reuse for a (re)connect.
 */
import type { Device, HttpError, JoinRequest, JoinResponse } from '../protocol/index.js';
import { TokenSourceError } from './errors.js';
import type { FetchLike, GetToken, RealtimeToken } from './types.js';

export interface DevIssuerOptions {
  /** Gateway base URL, e.g. `http://localhost:8080`. */
  url: string;
  userId: string;
  displayName?: string;
  device?: Device;
  fetch?: FetchLike;
  /** Abort the request after this long. Default 5000 ms. */
  timeoutMs?: number;
}

/** `POST {url}/rooms/join` with `{ roomId, userId, displayName, device }`. */
export function devIssuerTokenSource(o: DevIssuerOptions): GetToken {
  const endpoint = `${o.url.replace(/\/+$/, '')}/rooms/join`;
  return async (roomId) => {
    const doFetch = o.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
    if (!doFetch) throw new TokenSourceError('no fetch available: pass options.fetch or options.getToken', false);
    const body: JoinRequest = { roomId, userId: o.userId, displayName: o.displayName, device: o.device };
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(o.timeoutMs ?? 5000) : undefined,
      });
    } catch (err) {
      // Network trouble (the gateway is restarting, offline): worth retrying.
      throw new TokenSourceError(`POST ${endpoint} failed: ${(err as Error).message}`, true);
    }
    const json = (await res.json().catch(() => undefined)) as Partial<JoinResponse & HttpError> | undefined;
    if (!res.ok) {
      const e = json?.error;
      const detail = typeof e?.code === 'string' ? `${e.code}: ${e.message}` : 'no details';
      // 5xx, 408 and 429 pass; other 4xx (malformed ids, issuer disabled) will not get better.
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new TokenSourceError(`POST ${endpoint} answered ${res.status} (${detail})`, retryable, res.status);
    }
    // The shape of JoinResponseSchema; checked by hand to keep zod out of the browser bundle.
    if (typeof json?.realtimeToken !== 'string' || !Number.isFinite(json.expiresAt)) {
      throw new TokenSourceError(`POST ${endpoint}: unexpected response body`, false, res.status);
    }
    return { token: json.realtimeToken, expiresAt: json.expiresAt!, ...(typeof json.wsUrl === 'string' ? { wsUrl: json.wsUrl } : {}) };
  };
}

/** A token held for a room, with the lifetime it had when fetched (for refresh scheduling). */
export interface HeldToken extends RealtimeToken {
  roomId: string;
  lifetimeMs: number;
}

/**
 * Caches the current room's token. A token is reused for a reconnect unless it is expired or
 * close to it (within 10% of its lifetime, at least 1 s): "expired while offline" means fetch anew.
 */
export class TokenCache {
  private held: HeldToken | null = null;
  private inflight: { roomId: string; promise: Promise<HeldToken> } | null = null;

  constructor(
    private readonly getToken: GetToken,
    /** Best estimate of the server's clock (token times are server times). */
    private readonly serverNow: () => number,
  ) {}

  get current(): HeldToken | null {
    return this.held;
  }

  /** A usable token for `roomId`: cached, or fetched when `fresh`, missing, for another room or stale. */
  async get(roomId: string, fresh = false): Promise<HeldToken> {
    const h = this.held;
    if (!fresh && h && h.roomId === roomId && this.usable(h)) return h;
    if (this.inflight && this.inflight.roomId === roomId) return this.inflight.promise;
    const promise = this.fetch(roomId);
    this.inflight = { roomId, promise };
    try {
      return await promise;
    } finally {
      if (this.inflight?.promise === promise) this.inflight = null;
    }
  }

  /** Fetch a new token for `roomId` and hold it (a newer token of the same room is always usable). */
  async fetch(roomId: string): Promise<HeldToken> {
    const t = await this.getToken(roomId);
    if (typeof t?.token !== 'string' || !Number.isFinite(t.expiresAt)) {
      throw new TokenSourceError('getToken must resolve to { token: string, expiresAt: number }', false);
    }
    const held: HeldToken = { ...t, roomId, lifetimeMs: Math.max(0, t.expiresAt - this.serverNow()) };
    this.held = held;
    return held;
  }

  /** Record a token the server accepted via `refresh_token` (its `expiresAt` is the server's word). */
  accept(token: HeldToken, expiresAt: number): void {
    this.held = { ...token, expiresAt };
  }

  clear(): void {
    this.held = null;
  }

  private usable(h: HeldToken): boolean {
    const margin = Math.max(1000, h.lifetimeMs * 0.1);
    return h.expiresAt - this.serverNow() > margin;
  }
}
