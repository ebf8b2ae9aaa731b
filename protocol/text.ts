/**
 * Text one member shows to others (chat, display names): what is stripped and how it is measured.
 * Gateway and client SDK both apply these, so a client's own verdict ("too long") is the gateway's.
 *
 * [rtgw] Stripped, not refused, so that nothing a person typed is lost over an invisible character:
 * - C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F); TAB, LF, VT, FF and CR become a
 *   space, so that words a line break separated stay apart;
 * - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), with which one member
 *   could reorder what others read (the marks U+200E, U+200F, U+061C stay: they cannot);
 * - lone surrogates (a JSON `\ud800` escape), which are not text at all.
 * Then the text is normalised to NFC, so that "é" typed as e + U+0301 counts as one character.
 */
import { ChatRejectReason, Limits } from './codes.js';

/** Everything `cleanText` removes or replaces; \p{Cc} is exactly C0, DEL and C1. */
const UNSAFE = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/gu;
const HAS_UNSAFE = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;
const LINE_AND_TAB = new Set(['\t', '\n', '\v', '\f', '\r']);

/** `raw` without control, bidi-override and lone-surrogate characters, in NFC. */
export function cleanText(raw: string): string {
  const stripped = HAS_UNSAFE.test(raw) ? raw.replace(UNSAFE, (c) => (LINE_AND_TAB.has(c) ? ' ' : '')) : raw;
  return stripped.normalize('NFC');
}

export type ChatTextCheck = { ok: true; text: string } | { ok: false; reason: ChatRejectReason };

/**
 * The contract's chat rule (1..240 code points after trimming), applied to the cleaned text: an
 * emoji counts as one character, as a person typing it would expect.
 */
export function checkChatText(raw: string): ChatTextCheck {
  const text = cleanText(String(raw)).trim();
  if (text.length === 0) return { ok: false, reason: ChatRejectReason.EMPTY };
  // UTF-16 length is an upper bound on code points; count exactly only when it could matter.
  if (text.length > Limits.CHAT_MAX_CODE_POINTS && codePoints(text) > Limits.CHAT_MAX_CODE_POINTS) {
    return { ok: false, reason: ChatRejectReason.TOO_LONG };
  }
  return { ok: true, text };
}

/**
 * A display name from a token, cleaned and trimmed; `fallback` (the user id) when nothing is left.
 * NFC can lengthen a string, so the result is cut back to the 32-unit limit of `DisplayNameSchema`
 * (at a code point boundary).
 */
export function cleanDisplayName(raw: string | undefined, fallback: string): string {
  if (raw === undefined) return fallback;
  const name = cleanText(raw).trim();
  if (name.length === 0) return fallback;
  if (name.length <= Limits.MAX_DISPLAY_NAME_LENGTH) return name;
  let cut = '';
  for (const c of name) {
    if (cut.length + c.length > Limits.MAX_DISPLAY_NAME_LENGTH) break;
    cut += c;
  }
  return cut.trimEnd();
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
