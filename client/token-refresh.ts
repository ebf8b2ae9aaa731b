/**
 * Proactive token refresh: at ~80% of a token's lifetime, fetch a new one from the token source and
 * hand it to the server with `refresh_token` (reply `token_refreshed`), so the session never hits
 * `token_expired` / 4003. If the server refuses or does not answer, the provider reconnects with a
 * new token. If the token source is down, retry until the token expires (then 4003 takes over).
 */
import { Timer } from './clock.js';
import type { TokenCache } from './token-source.js';
import type { Clock } from './types.js';

export interface RefreshOptions {
  clock: Clock;
  tokens: TokenCache;
  /** Best estimate of the server's clock. */
  serverNow(): number;
  /** Fraction of the lifetime at which to refresh (0.8). */
  fraction: number;
  /** How long to wait for `token_refreshed`. */
  timeoutMs: number;
  /** Send `refresh_token` on the live socket. */
  send(token: string): void;
  /** The server refused the new token or did not answer: reconnect with a new token. */
  onFailed(reason: string): void;
}

export class TokenRefresher {
  private readonly due: Timer;
  private readonly answer: Timer;
  /** Bumped by stop(): a fetch that resolves after it is ignored. */
  private generation = 0;
  private awaiting = false;

  constructor(private readonly o: RefreshOptions) {
    this.due = new Timer(o.clock);
    this.answer = new Timer(o.clock);
  }

  /** Whether a `refresh_token` is waiting for its answer (an `auth_error` now is the refusal). */
  get pending(): boolean {
    return this.awaiting;
  }

  /** Schedule the next refresh for the held token. */
  start(): void {
    this.stop();
    const held = this.o.tokens.current;
    if (!held) return;
    const refreshAt = held.expiresAt - held.lifetimeMs * (1 - this.o.fraction);
    this.due.start(refreshAt - this.o.serverNow(), () => void this.refresh());
  }

  stop(): void {
    this.generation++;
    this.awaiting = false;
    this.due.stop();
    this.answer.stop();
  }

  /** `token_refreshed` arrived. */
  refreshed(expiresAt: number): void {
    const held = this.o.tokens.current;
    if (held) this.o.tokens.accept(held, expiresAt);
    this.start();
  }

  /** An `auth_error` arrived while a refresh was pending: the server refused the new token. */
  refused(code: string): void {
    if (!this.awaiting) return;
    this.stop();
    this.o.onFailed(`refresh refused: ${code}`);
  }

  private async refresh(): Promise<void> {
    const gen = ++this.generation;
    const held = this.o.tokens.current;
    if (!held) return;
    let next;
    try {
      next = await this.o.tokens.fetch(held.roomId);
    } catch {
      if (gen !== this.generation) return;
      // The token source is down. The session is fine until expiry; try again in a while.
      const left = held.expiresAt - this.o.serverNow();
      if (left > 0) this.due.start(Math.min(5000, Math.max(250, left / 2)), () => void this.refresh());
      return;
    }
    if (gen !== this.generation) return;
    this.awaiting = true;
    this.o.send(next.token);
    this.answer.start(this.o.timeoutMs, () => {
      this.awaiting = false;
      this.o.onFailed('no token_refreshed in time');
    });
  }
}
