/**
 * Chat text rules and message ids. Text is trimmed and measured in Unicode code points, so an emoji
 * counts as one character, as a person typing it would expect.
 */
import { monotonicFactory } from 'ulid';
import { ChatRejectReason, Limits } from '../protocol/index.js';

export type ChatTextCheck = { ok: true; text: string } | { ok: false; reason: ChatRejectReason };

export function checkChatText(raw: string): ChatTextCheck {
  const text = raw.trim();
  if (text.length === 0) return { ok: false, reason: ChatRejectReason.EMPTY };
  // UTF-16 length is an upper bound on code points; count exactly only when it could matter.
  if (text.length > Limits.CHAT_MAX_CODE_POINTS && codePoints(text) > Limits.CHAT_MAX_CODE_POINTS) {
    return { ok: false, reason: ChatRejectReason.TOO_LONG };
  }
  return { ok: true, text };
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Unique, sortable message ids (ULID): the time prefix orders messages across nodes, and the
 * monotonic factory keeps ids from one node strictly increasing within a millisecond.
 */
export const newChatId: (now?: number) => string = monotonicFactory();
