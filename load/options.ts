/** What `rtgw load` (and the bench) can ask of the generator, with defaults and their checks. */

export interface LoadOptions {
  /** Gateway base URL (http/https). Tokens come from POST {url}/rooms/join; sockets go to {ws url}/realtime. */
  url: string;
  rooms: number;
  clientsPerRoom: number;
  /** Transforms per second per client, capped at the device's limit (20 desktop, 15 mobile). 0: idle (join, ping, nothing else). */
  rate: number;
  /** Seconds between one client's chat messages; 0: no chat. */
  chatEvery: number;
  /** Seconds of the measurement window (after everyone joined and `settle`). */
  duration: number;
  /** Seconds over which clients arrive (evenly spaced); 0: all at once. */
  ramp: number;
  /** Fraction of clients that are mobile. */
  mobileRatio: number;
  /** After the window: drop every socket at once and measure until all have rejoined. */
  storm: boolean;
  /**
   * Fraction of clients that measure what they receive (0 < sample <= 1). Every client sends and
   * reads its socket; the others only count frames. Below 1 the generator spends less of the
   * machine on itself: on a small box shared with the gateway, that is more of the box for the gateway.
   */
  sample: number;
  /** Generator threads; 0 runs the clients on the calling thread; 'auto': one per core (at most 4) when built, else 0. */
  workers: number | 'auto';
  /** Seconds between "everyone joined" and the window's start, so the join burst does not count. */
  settle: number;
  /** Seconds after the window during which late transforms still count as delivered. */
  drain: number;
  /** Seconds to wait for every client to join (after the ramp) before measuring without the missing ones. */
  joinTimeout: number;
  /** Seconds to wait for every client to rejoin after the storm. */
  stormTimeout: number;
  /** Prefix of generated user and room ids (default: a fresh `load-xxxxxx` per run). */
  runId?: string;
}

export const LOAD_DEFAULTS = {
  rate: 20,
  chatEvery: 0,
  duration: 30,
  ramp: 5,
  mobileRatio: 0,
  storm: false,
  sample: 1,
  workers: 'auto',
  settle: 1,
  drain: 2,
  joinTimeout: 30,
  stormTimeout: 30,
} as const satisfies Partial<LoadOptions>;

export type LoadInput = Pick<LoadOptions, 'url' | 'rooms' | 'clientsPerRoom'> & Partial<LoadOptions>;

/** Defaults applied; a bad combination is a TypeError with the exact reason (the CLI reports it as a usage error). */
export function resolveLoadOptions(input: LoadInput): LoadOptions {
  const o: LoadOptions = { ...LOAD_DEFAULTS, ...input };
  if (!Number.isInteger(o.rooms) || o.rooms < 1) throw new TypeError('rooms must be a whole number >= 1');
  if (!Number.isInteger(o.clientsPerRoom) || o.clientsPerRoom < 1) throw new TypeError('clientsPerRoom must be a whole number >= 1');
  if (!(o.rate >= 0)) throw new TypeError('rate must be >= 0');
  if (!(o.duration > 0)) throw new TypeError('duration must be > 0');
  if (!(o.mobileRatio >= 0 && o.mobileRatio <= 1)) throw new TypeError('mobileRatio must be within 0..1');
  if (!(o.sample > 0 && o.sample <= 1)) throw new TypeError('sample must be within 0..1 (and not 0)');
  if (o.chatEvery > 0 && o.chatEvery < 2) {
    // 5 per 10 s per user is the gateway's anti-spam limit: faster would measure rejections, not chat.
    throw new TypeError('chatEvery must be 0 or >= 2 s (the gateway allows 5 chat messages per 10 s per user)');
  }
  return o;
}
