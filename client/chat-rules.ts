/**
 * The contract's chat rules (section 3), applied on the client: the gateway's own text rule
 * (protocol/text.ts: control and bidi-override characters stripped, NFC, trimmed, 1..240 code
 * points). The WebSocket provider checks this before sending (an over-long text could exceed the
 * 4 KiB frame limit, and 1009 ends the session for good); the simulation also applies the
 * anti-spam window the gateway enforces.
 */
import { Limits } from '../protocol/index.js';

export { checkChatText, type ChatTextCheck } from '../protocol/text.js';

/** At most `Limits.CHAT_MAX_PER_WINDOW` messages in any `Limits.CHAT_WINDOW_MS` (sliding window). */
export class ChatSpamWindow {
  private readonly sent: number[] = [];

  /** Record a message at `now`; returns how long to wait when it is over the limit, else 0. */
  take(now: number): number {
    while (this.sent.length > 0 && now - this.sent[0]! >= Limits.CHAT_WINDOW_MS) this.sent.shift();
    if (this.sent.length >= Limits.CHAT_MAX_PER_WINDOW) return this.sent[0]! + Limits.CHAT_WINDOW_MS - now;
    this.sent.push(now);
    return 0;
  }
}
