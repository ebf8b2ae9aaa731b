/**
 * Machine-wide count of connections the kernel refused because a listen queue was full (TcpExt
 * ListenOverflows in /proc/net/netstat, Linux). A client whose SYN is dropped retries after 1 s,
 * then 3 s…: a storm of connections against a small accept backlog shows up here first. Machine-wide:
 * other work on the machine counts too, so it is read right before and after what it explains.
 */
import { readFileSync } from 'node:fs';

/** The current count; undefined where /proc/net/netstat cannot be read (not Linux). */
export function listenOverflows(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/net/netstat', 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return undefined;
  const keys = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  const i = keys.indexOf('ListenOverflows');
  return i === -1 ? undefined : Number(values[i]);
}

/** Overflows since `before` (undefined when either reading is). */
export function overflowsSince(before: number | undefined): number | undefined {
  const now = listenOverflows();
  return before === undefined || now === undefined ? undefined : now - before;
}
