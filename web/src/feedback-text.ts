/**
 * The words of the page's connection feedback, kept apart from the DOM so they can be tested:
 * the status indicator's state and text, the toast for each SDK notice, and the line shown when a
 * chat message is refused. Colour is never the only signal; every state has its text.
 */
import type { ChatRejectedEvent, ConnectionState, Notice } from '../../client/index.js';
import { Limits } from '../../client/index.js';

export type StatusKey = 'connected' | 'connecting' | 'reconnecting' | 'offline';

export interface StatusView {
  key: StatusKey;
  text: string;
}

export function statusView(state: ConnectionState | null, provider: 'ws' | 'sim' | null): StatusView {
  switch (state?.status) {
    case 'open':
      return { key: 'connected', text: provider === 'sim' ? 'Connected (simulated)' : 'Connected' };
    case 'connecting':
      return { key: 'connecting', text: 'Connecting…' };
    case 'reconnecting':
      return { key: 'reconnecting', text: 'Reconnecting…' };
    default:
      // idle (not in a room) and closed (stopped for good) both mean: not connected.
      return { key: 'offline', text: 'Offline' };
  }
}

export type ToastTone = 'error' | 'warning' | 'info' | 'success';

export interface ToastSpec {
  /** A toast with the same key replaces the one shown (a reconnect replaces its disconnect). */
  key: string;
  tone: ToastTone;
  text: string;
  /** Errors that need the user stay until dismissed. */
  sticky?: boolean;
}

export function noticeToast(notice: Notice): ToastSpec {
  switch (notice.kind) {
    case 'auth_error':
      return {
        key: 'auth',
        tone: notice.willRetry ? 'warning' : 'error',
        text: `Authentication error (${notice.code}): ${sentence(notice.message)}${notice.willRetry ? ' Retrying with a new token.' : ''}`,
        sticky: !notice.willRetry,
      };
    case 'rate_limited':
      if (notice.what === 'chat') return { key: 'rate-chat', tone: 'warning', text: `Rate limit: ${notice.message}` };
      return {
        key: 'rate-transform',
        tone: 'info',
        text: notice.source === 'client'
          ? `Rate limit: movement is paced to the device's update rate; ${notice.dropped ?? 0} updates were merged before sending.`
          : `Rate limit: the gateway dropped ${notice.dropped ?? 0} movement updates.`,
      };
    case 'disconnected':
      return notice.willReconnect
        ? { key: 'connection', tone: 'warning', text: 'Connection lost. Reconnecting…' }
        : { key: 'connection', tone: 'error', text: notice.message, sticky: true };
    case 'reconnected':
      return { key: 'connection', tone: 'success', text: `Reconnected after ${(notice.downtimeMs / 1000).toFixed(1)} s.` };
    case 'error':
      return { key: `error-${notice.code}`, tone: 'error', text: `Error (${notice.code}): ${notice.message}` };
  }
}

/** Shown under the chat box when a message is refused (`too_long`, `empty`, `rate_limited`). */
export function chatRejectionText(event: Pick<ChatRejectedEvent, 'reason' | 'retryAfterMs'>): string {
  switch (event.reason) {
    case 'too_long':
      return `Not sent: messages can be at most ${Limits.CHAT_MAX_CODE_POINTS} characters.`;
    case 'empty':
      return 'Not sent: the message is empty.';
    case 'rate_limited':
      return `Not sent: too many messages. Try again in ${Math.max(1, Math.ceil((event.retryAfterMs ?? 0) / 1000))} s.`;
    default:
      return `Not sent (${String(event.reason)}).`;
  }
}

/** Server messages come without a full stop; toasts read as sentences. */
function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** Unicode code points, as the gateway counts them (an emoji is one character). */
export function countCharacters(text: string): number {
  let n = 0;
  for (const _ of text.trim()) n++;
  return n;
}
