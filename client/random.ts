/** Seeded randomness and ids: the simulation is deterministic given a seed. */

/** mulberry32: a tiny, fast 32-bit PRNG returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-shaped id (26 characters, sortable by time) from a clock value and a random source. */
export function sortableId(nowMs: number, random: () => number): string {
  let time = '';
  let t = Math.max(0, Math.floor(nowMs));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[Math.floor(random() * 32)];
  return time + rand;
}

/** Short random token for correlation ids (`clientMsgId`). */
export function shortId(random: () => number, length = 8): string {
  let out = '';
  for (let i = 0; i < length; i++) out += CROCKFORD[Math.floor(random() * 32)];
  return out;
}
