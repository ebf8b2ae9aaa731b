/**
 * `createRealtimeProvider(options)`: the one call apps make. The flag (or option) picks the
 * provider; the app's code is the same either way.
 */
import { Device, ID_PATTERN } from '../protocol/index.js';
import { defaultEnv, resolveFlags } from './flags.js';
import { SimRealtimeProvider } from './sim-provider.js';
import type { CreateRealtimeProviderOptions, RealtimeProvider } from './types.js';
import { WsRealtimeProvider } from './ws-provider.js';

export function createRealtimeProvider(options: CreateRealtimeProviderOptions): RealtimeProvider {
  if (typeof options?.userId !== 'string' || !ID_PATTERN.test(options.userId)) {
    throw new TypeError('options.userId must be 1..64 characters of [A-Za-z0-9_.:-]');
  }
  if (options.device !== undefined && !Object.values(Device).includes(options.device)) {
    throw new TypeError(`options.device must be "desktop" or "mobile" (got ${JSON.stringify(options.device)})`);
  }
  const flags = resolveFlags(options, options.env ?? defaultEnv());
  if (flags.provider === 'sim') return new SimRealtimeProvider({ ...options, rateLimitDebug: flags.rateLimitDebug });
  if (!options.url && !options.getToken) {
    throw new TypeError('the ws provider needs options.url (the gateway base URL, e.g. http://localhost:8080) or options.getToken');
  }
  return new WsRealtimeProvider({ ...options, reconnectIntervalMs: flags.reconnectIntervalMs, rateLimitDebug: flags.rateLimitDebug });
}
