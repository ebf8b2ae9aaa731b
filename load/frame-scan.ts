/**
 * The generator's receive hot path. A broadcast frame carries the transforms of up to (room size
 * - 1) members, and a receiver needs four fields of each: userId, seq, anim, ts. JSON.parse builds
 * every object, array and number of the frame; this scan slices those fields out of the text, at
 * about half the cost (test/load/frame-scan.test.ts prints both).
 *
 * It relies on what the servers produce: `JSON.stringify` of {userId, p, r, seq?, anim?, ts} in
 * that key order (gateway/room.ts, bench/bare-relay.ts), ids without escapes (the protocol's id
 * alphabet). Anything else — another key order, an escape, a missing field — returns false and the
 * caller parses the frame with JSON.parse; the result's `generator.scanFallbacks` counts how often, so
 * a format change shows up as a slower generator, never as wrong numbers.
 */

import type { BroadcastTransform } from '../protocol/index.js';

const PREFIX = '{"type":"avatar_transform_broadcast","transforms":[';
const USER = '"userId":"';
const SEQ = '"seq":';
const ANIM = '"anim":"';
const TS = '"ts":';

/** The fields a receiver reads, typed from the protocol's schema. */
export type ScannedTransform = Pick<BroadcastTransform, 'userId' | 'seq' | 'anim' | 'ts'>;

export function isBroadcast(text: string): boolean {
  return text.startsWith(PREFIX);
}

const PREFIX_BYTES = Buffer.from(PREFIX);
const USER_BYTES = Buffer.from(USER);

/**
 * For receivers that do not measure: the number of transforms in a broadcast frame, read from the
 * raw bytes without decoding them; -1 when the frame is not a broadcast.
 */
export function countBroadcast(frame: Buffer): number {
  if (frame.length < PREFIX_BYTES.length || frame.compare(PREFIX_BYTES, 0, PREFIX_BYTES.length, 0, PREFIX_BYTES.length) !== 0) return -1;
  let n = 0;
  for (let at = frame.indexOf(USER_BYTES, PREFIX_BYTES.length); at !== -1; at = frame.indexOf(USER_BYTES, at + USER_BYTES.length)) n++;
  return n;
}

/** Fill `out` with the frame's transforms; false when the frame is not in the expected shape. */
export function scanBroadcast(text: string, out: ScannedTransform[]): boolean {
  out.length = 0;
  let pos = PREFIX.length;
  if (text.charCodeAt(pos) === 93 /* ] */) return text.startsWith(']}', pos);
  for (;;) {
    // Each entry: {"userId":"…", "p":…, "r":…, ["seq":N,] ["anim":"…",] "ts":N}
    if (!text.startsWith(USER, pos + 1)) return false;
    const idStart = pos + 1 + USER.length;
    const idEnd = text.indexOf('"', idStart);
    const tsAt = text.indexOf(TS, idEnd);
    if (idEnd === -1 || tsAt === -1) return false;
    const userId = text.slice(idStart, idEnd);
    let seq: number | undefined;
    let anim: string | undefined;
    const seqAt = text.indexOf(SEQ, idEnd);
    if (seqAt !== -1 && seqAt < tsAt) seq = Number(text.slice(seqAt + SEQ.length, digitsEnd(text, seqAt + SEQ.length)));
    const animAt = text.indexOf(ANIM, idEnd);
    if (animAt !== -1 && animAt < tsAt) anim = text.slice(animAt + ANIM.length, text.indexOf('"', animAt + ANIM.length));
    const tsEnd = digitsEnd(text, tsAt + TS.length);
    const ts = Number(text.slice(tsAt + TS.length, tsEnd));
    // ts is last (JSON.stringify keeps the servers' key order); escapes would need real JSON parsing.
    if (text.charCodeAt(tsEnd) !== 125 /* } */ || Number.isNaN(ts) || Number.isNaN(seq) || userId.includes('\\') || anim?.includes('\\')) return false;
    out.push({ userId, seq, anim, ts });
    pos = tsEnd + 1;
    const c = text.charCodeAt(pos);
    if (c === 93 /* ] */) return text.startsWith(']}', pos);
    if (c !== 44 /* , */) return false;
    pos++;
  }
}

function digitsEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 101 || c === 43) i++; // 0-9 . - e +
    else return i;
  }
}
