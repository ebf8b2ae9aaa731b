/** What `rtgw load` (and the bench) can ask of the generator, with defaults and their checks. */

export interface LoadOptions {
  /** Gateway base URL (http/https). Tokens come from POST {url}/rooms/join; sockets go to {ws url}/realtime. */
  url: string;
  /** Rooms, and clients in all: rooms x clientsPerRoom, or given (then rooms = clients / clientsPerRoom, rounded up, and the last rooms are one short). */
  rooms: number;
  clientsPerRoom: number;
  clients: number;
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
  /** Seconds between abrupt socket drops of one client (it reconnects as the SDK does), while the window runs; 0: none. */
  killEvery: number;
  /**
   * Fraction of clients that measure what they receive (0 < sample <= 1). Every client sends and
   * reads its socket; the others only count frames. Below 1 the generator spends less of the
   * machine on itself: on a small box shared with the gateway, that is more of the box for the gateway.
   */
  sample: number;
  /** Generator processes; 0 runs the clients in the calling process; 'auto': one per core (at most 4) when built, else 0. */
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
  clientsPerRoom: 20,
  rate: 20,
  chatEvery: 0,
  duration: 30,
  ramp: 5,
  mobileRatio: 0,
  storm: false,
  killEvery: 0,
  sample: 1,
  workers: 'auto',
  settle: 1,
  drain: 2,
  joinTimeout: 30,
  stormTimeout: 30,
} as const satisfies Partial<LoadOptions>;

/** The URL, and the size as rooms (x clientsPerRoom) or as clients in all. */
export type LoadInput = Pick<LoadOptions, 'url'> & Partial<LoadOptions>;

/** Defaults applied; a bad combination is a TypeError with the exact reason (the CLI reports it as a usage error). */
export function resolveLoadOptions(input: LoadInput): LoadOptions {
  const clientsPerRoom = input.clientsPerRoom ?? LOAD_DEFAULTS.clientsPerRoom;
  if (!Number.isInteger(clientsPerRoom) || clientsPerRoom < 1) throw new TypeError('clientsPerRoom must be a whole number >= 1');
  if (input.rooms === undefined && input.clients === undefined) throw new TypeError('give the size: rooms (of clientsPerRoom) or clients');
  if (input.clients !== undefined && (!Number.isInteger(input.clients) || input.clients < 1)) throw new TypeError('clients must be a whole number >= 1');
  if (input.rooms !== undefined && (!Number.isInteger(input.rooms) || input.rooms < 1)) throw new TypeError('rooms must be a whole number >= 1');
  const rooms = input.rooms ?? Math.ceil(input.clients! / clientsPerRoom);
  // Both given (options already resolved once): they must describe the same rooms.
  if (input.clients !== undefined && rooms !== Math.ceil(input.clients / clientsPerRoom)) throw new TypeError(`${input.clients} clients do not make ${rooms} rooms of ${clientsPerRoom}: give rooms or clients`);
  const o: LoadOptions = { ...LOAD_DEFAULTS, ...input, clientsPerRoom, rooms, clients: input.clients ?? rooms * clientsPerRoom };
  if (!(o.rate >= 0)) throw new TypeError('rate must be >= 0');
  if (!(o.duration > 0)) throw new TypeError('duration must be > 0');
  if (!(o.mobileRatio >= 0 && o.mobileRatio <= 1)) throw new TypeError('mobileRatio must be within 0..1');
  if (!(o.sample > 0 && o.sample <= 1)) throw new TypeError('sample must be within 0..1 (and not 0)');
  if (!(o.killEvery >= 0)) throw new TypeError('killEvery must be >= 0');
  if (o.chatEvery > 0 && o.chatEvery < 2) {
    // 5 per 10 s per user is the gateway's anti-spam limit: faster would measure rejections, not chat.
    throw new TypeError('chatEvery must be 0 or >= 2 s (the gateway allows 5 chat messages per 10 s per user)');
  }
  return o;
}
