/**
 * What the page's URL asks for: `room`, `name` and `device` prefill the join form (with both
 * `room` and `name` the page joins at once, so a demo can be shared as a link), and `provider` /
 * `debug` become the SDK's flags on top of the ones baked in at build time. The page never picks
 * a provider itself: it hands the flags to `createRealtimeProvider({ env })`.
 */
import type { Device, RealtimeFlagValues } from '../../client/index.js';
import { Limits } from '../../client/index.js';

export type Flags = RealtimeFlagValues & Record<string, string | undefined>;

export interface LaunchParams {
  name: string;
  room: string;
  /** Undefined when the URL does not say (the page then guesses from the pointer). */
  device: Device | undefined;
  /** Both `room` and `name` were given: join without waiting for the form. */
  autoJoin: boolean;
  /** Flags for `createRealtimeProvider`'s `env` option. */
  env: Flags;
  /** `view=2d` starts on the map, `view=3d` (the default where WebGL works) in 3D. */
  view: '2d' | '3d';
  /** `debug=1`: the debug overlay (latency figures) and the SDK's pacing notices. */
  debug: boolean;
}

/**
 * `?room=lobby&name=Ada&device=mobile&provider=sim&debug=1`. `provider` wins over build-time flags
 * (including `USE_MOCK_REALTIME`, which would otherwise conflict with it); an unknown value is passed
 * on so the SDK reports it by name instead of the page guessing.
 */
export function readLaunchParams(search: string, buildFlags: Flags = {}): LaunchParams {
  const q = new URLSearchParams(search);
  const name = [...(q.get('name') ?? '').trim()].slice(0, Limits.MAX_DISPLAY_NAME_LENGTH).join('');
  const room = (q.get('room') ?? '').trim();
  const deviceParam = q.get('device');
  const device = deviceParam === 'desktop' || deviceParam === 'mobile' ? deviceParam : undefined;
  const env: Flags = { ...buildFlags };
  const provider = q.get('provider');
  if (provider !== null && provider.trim() !== '') {
    env.REALTIME_PROVIDER = provider.trim();
    delete env.USE_MOCK_REALTIME;
  }
  const debug = q.get('debug');
  if (debug !== null) env.REALTIME_RATE_LIMIT_DEBUG = debug === '' ? 'true' : debug;
  const view = q.get('view') === '2d' ? '2d' : '3d';
  const debugOn = ['1', 'true', ''].includes((env.REALTIME_RATE_LIMIT_DEBUG ?? 'false').trim().toLowerCase());
  return { name, room, device, autoJoin: name !== '' && room !== '', env, view, debug: debugOn };
}

/** A link that opens the join form for `room` with the same provider flags (for inviting someone). */
export function inviteSearch(room: string, currentSearch: string): string {
  const current = new URLSearchParams(currentSearch);
  const out = new URLSearchParams({ room });
  for (const key of ['provider', 'debug', 'view']) {
    const v = current.get(key);
    if (v !== null) out.set(key, v);
  }
  return `?${out.toString()}`;
}
