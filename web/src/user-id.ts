/**
 * The demo has no accounts: a user id is the display name made id-safe plus a random suffix that
 * this browser tab keeps in sessionStorage. Reloading the tab keeps the id (the gateway then sees a
 * resume, not a new member); another window gets another suffix, so two windows are two users even
 * under the same name.
 */

/** Ids are 1..64 characters of [A-Za-z0-9_.:-] (the protocol's rule); this builds one that fits. */
export function userIdFor(displayName: string, suffix: string): string {
  const slug = displayName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents off: "Zoë" -> "zoe"
    .toLowerCase()
    .replace(/[^a-z0-9_.:-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return `${slug || 'guest'}-${suffix}`;
}

const SUFFIX_KEY = 'rtgw-demo:user-suffix';
const SUFFIX_PATTERN = /^[a-z0-9]{6}$/;

export type SuffixStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** This tab's suffix: kept in `storage` when it works (private modes may refuse), else fresh. */
export function tabSuffix(storage: SuffixStorage | undefined, random: () => number = Math.random): string {
  try {
    const kept = storage?.getItem(SUFFIX_KEY);
    if (kept && SUFFIX_PATTERN.test(kept)) return kept;
  } catch {
    // storage unavailable: fall through to a suffix for this page load only
  }
  let suffix = '';
  while (suffix.length < 6) suffix += Math.floor(random() * 36).toString(36);
  try {
    storage?.setItem(SUFFIX_KEY, suffix);
  } catch {
    // as above
  }
  return suffix;
}
