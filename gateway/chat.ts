/**
 * Chat text rules and message ids. The text rule (cleaned, NFC, trimmed, 1..240 code points) is the
 * protocol's, shared with the client SDK (protocol/text.ts).
 */
import { monotonicFactory } from 'ulid';

export { checkChatText, type ChatTextCheck } from '../protocol/text.js';

/**
 * Unique, sortable message ids (ULID): the time prefix orders messages across nodes, and the
 * monotonic factory keeps ids from one node strictly increasing within a millisecond.
 */
export const newChatId: (now?: number) => string = monotonicFactory();
