/**
 * Reconnect policy: what the client does per close code (contract section 5), as data, and the
 * backoff delays. The table is typed against `CloseCode`, so a code added to the protocol without
 * a decision here is a compile error.
 */
import { CloseCode } from '../protocol/index.js';

export interface ClosePolicy {
  /** Try again at all. */
  reconnect: boolean;
  /** Fetch a new token first: `once` = only one retry with a new token, then stop (4001). */
  newToken: 'no' | 'once' | 'always';
  /** `long` after overload / abuse, so a fleet of clients does not hammer the server. */
  backoff: 'normal' | 'long';
}

const stop: ClosePolicy = { reconnect: false, newToken: 'no', backoff: 'normal' };
const retry: ClosePolicy = { reconnect: true, newToken: 'no', backoff: 'normal' };
const retryLater: ClosePolicy = { reconnect: true, newToken: 'no', backoff: 'long' };

export const CLOSE_POLICY = {
  [CloseCode.NORMAL]: stop,
  [CloseCode.GOING_AWAY]: retry,
  // The client sent something it must not; reconnecting would do it again.
  [CloseCode.MESSAGE_TOO_BIG]: stop,
  [CloseCode.INTERNAL_ERROR]: retry,
  [CloseCode.TRY_AGAIN_LATER]: retryLater,
  // A bad token rarely turns good: one new token, one retry, then give up (and tell the UI).
  [CloseCode.AUTH_FAILED]: { reconnect: true, newToken: 'once', backoff: 'normal' },
  [CloseCode.AUTH_TIMEOUT]: retry,
  // Expiry is routine (a refresh that came too late, a laptop that slept): always renew.
  [CloseCode.TOKEN_EXPIRED]: { reconnect: true, newToken: 'always', backoff: 'normal' },
  [CloseCode.PROTOCOL_VIOLATION]: stop,
  // Another tab or device of this user took over; fighting it back would loop forever.
  [CloseCode.SESSION_REPLACED]: stop,
  [CloseCode.RATE_LIMIT_ABUSE]: retryLater,
  [CloseCode.ROOM_FULL]: stop,
  // The socket fell 1 MiB behind (a stalled network, a tab in the background): a fresh room_state
  // replaces what it missed, and within the grace period the others see nothing.
  [CloseCode.SLOW_CONSUMER]: retry,
} as const satisfies Record<CloseCode, ClosePolicy>;

/** 1005 (no status), 1006 (abnormal: the network dropped), and codes the contract does not name. */
export const DEFAULT_CLOSE_POLICY: ClosePolicy = retry;

export function closePolicy(code: number): ClosePolicy {
  return (CLOSE_POLICY as Record<number, ClosePolicy>)[code] ?? DEFAULT_CLOSE_POLICY;
}

export interface BackoffOptions {
  /** Ceiling of the first delay; doubles per attempt. */
  baseMs: number;
  /** Largest ceiling of a normal delay. */
  maxMs: number;
  /** Base of a long delay (1013 / 4008); doubles per attempt up to 6x. */
  longBaseMs: number;
  random: () => number;
}

/**
 * Delay before reconnect attempt number `attempt` (0 = first after a loss).
 * Normal: "full jitter", uniform in [0, min(max, base * 2^attempt)) — spreads a herd of clients
 * dropped by the same deploy. Long: "equal jitter", never below half the ceiling, so a server that
 * asked for room actually gets it.
 */
export function reconnectDelay(attempt: number, kind: 'normal' | 'long', o: BackoffOptions): number {
  const exp = 2 ** Math.min(attempt, 16);
  if (kind === 'normal') return Math.floor(o.random() * Math.min(o.maxMs, o.baseMs * exp));
  const ceiling = Math.min(o.longBaseMs * 6, o.longBaseMs * exp);
  return Math.floor(ceiling / 2 + (o.random() * ceiling) / 2);
}

/** What to do after a close (or a failed attempt). */
export type RetryDecision =
  | { reconnect: false; why: 'no_reconnect' | 'auth_failed_twice' }
  | { reconnect: true; delayMs: number; backoff: 'normal' | 'long'; attempt: number; freshToken: boolean };

/**
 * The reconnect bookkeeping of one connection: consecutive failures (for the backoff) and the
 * single new-token retry 4001 allows. Both start over after a successful join.
 */
export class ReconnectPolicy {
  private attempt = 0;
  private authRetried = false;

  constructor(private readonly backoff: BackoffOptions) {}

  /** A join succeeded (or the room changed): start over. */
  reset(): void {
    this.attempt = 0;
    this.authRetried = false;
  }

  /** Whether a close with `code` would be retried now (for the `auth_error` notice, which comes first). */
  wouldRetry(code: number): boolean {
    const p = closePolicy(code);
    return p.reconnect && !(p.newToken === 'once' && this.authRetried);
  }

  afterClose(code: number): RetryDecision {
    const p = closePolicy(code);
    if (!p.reconnect) return { reconnect: false, why: 'no_reconnect' };
    if (p.newToken === 'once') {
      if (this.authRetried) return { reconnect: false, why: 'auth_failed_twice' };
      this.authRetried = true;
    }
    return this.next(p.backoff, p.newToken !== 'no');
  }

  /** An attempt failed before any close code (token source unreachable, connection refused). */
  afterFailure(): RetryDecision {
    return this.next('normal', false);
  }

  private next(kind: 'normal' | 'long', freshToken: boolean): RetryDecision {
    const delayMs = reconnectDelay(this.attempt, kind, this.backoff);
    this.attempt++;
    return { reconnect: true, delayMs, backoff: kind, attempt: this.attempt, freshToken };
  }
}
