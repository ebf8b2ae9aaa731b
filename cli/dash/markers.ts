/**
 * Two-character map markers, one per member, unique within the room: initials where the name has
 * several words ("bot-3" → "B3", "Ada Lovelace" → "AL"), else its first two letters ("alice" → "Al").
 * A clash falls back to the first letter and another letter of the name, then a digit.
 */
export function assignMarkers(members: Array<{ userId: string; displayName: string }>): Map<string, string> {
  const taken = new Set<string>();
  const markers = new Map<string, string>();
  for (const { userId, displayName } of members) {
    const marker = candidates(displayName).find((c) => !taken.has(c)) ?? fallback(taken);
    taken.add(marker);
    markers.set(userId, marker);
  }
  return markers;
}

function candidates(name: string): string[] {
  const words = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const letters = [...words.join('')];
  if (letters.length === 0) return [];
  const first = letters[0]!.toUpperCase();
  const out: string[] = [];
  if (words.length > 1) out.push(first + [...words[words.length - 1]!][0]!.toUpperCase());
  for (const c of letters.slice(1)) out.push(first + c);
  for (let d = 1; d <= 9; d++) out.push(`${first}${d}`);
  // Only one-column characters: a wide one would shift the rest of the map row.
  return out.filter((c) => /^[\p{L}\p{N}]{2}$/u.test(c) && [...c].every((ch) => ch.charCodeAt(0) < 0x1100));
}

function fallback(taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const marker = n < 10 ? `#${n}` : String(n).slice(-2);
    if (!taken.has(marker)) return marker;
  }
}
