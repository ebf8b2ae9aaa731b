/** The dashboard's connection to the gateway, as the header shows it, and how soon it retries. */
import type { AdminApiErrorKind } from './source.js';

export type Link =
  | { status: 'connecting' }
  | { status: 'up' }
  | {
      status: 'down';
      /** What went wrong, e.g. "connect ECONNREFUSED 127.0.0.1:8080". */
      error: string;
      kind: AdminApiErrorKind;
      /** Failed attempts in a row. */
      attempt: number;
      /** When the next attempt starts (local clock). */
      retryAt: number;
    };

/** Delay before retry number `attempt` (1 = the first): `baseMs` doubling, at most `maxMs`. */
export function retryDelay(attempt: number, baseMs: number, maxMs = 5_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
