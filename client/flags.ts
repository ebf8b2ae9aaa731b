/**
 * The realtime flags: which provider, reconnect interval, rate-limit debug. Read once from
 * `process.env` in Node or a config object in browsers; explicit options win. A value the SDK
 * does not understand is a TypeError naming the flag, never a silent fallback; so is a conflict
 * between REALTIME_PROVIDER and USE_MOCK_REALTIME that no explicit option settles.
 */
import type { ProviderKind } from './types.js';

export interface FlagOptions {
  provider?: ProviderKind;
  reconnectIntervalMs?: number;
  rateLimitDebug?: boolean;
}

export interface ResolvedFlags {
  provider: ProviderKind;
  /** Undefined: use the provider's default (250 ms). */
  reconnectIntervalMs?: number;
  rateLimitDebug: boolean;
}

type Env = Record<string, string | undefined>;

const PROVIDERS: readonly ProviderKind[] = ['ws', 'sim'];
const MIN_INTERVAL = 10;
const MAX_INTERVAL = 60_000;

/** `process.env` where there is one (Node), else nothing (browsers pass `options.env`). */
export function defaultEnv(): Env {
  const proc = (globalThis as { process?: { env?: Env } }).process;
  return proc?.env ?? {};
}

export function resolveFlags(options: FlagOptions, env: Env = defaultEnv()): ResolvedFlags {
  // Every flag that is set must be valid, even one an explicit option overrides: a typo should
  // never sit unnoticed in a deployment's environment.
  const envProvider = read(env, 'REALTIME_PROVIDER', (v) => oneOf(v.toLowerCase(), PROVIDERS), 'must be "ws" or "sim"');
  const envMock = read(env, 'USE_MOCK_REALTIME', bool, 'must be true, false, 1 or 0');
  const envInterval = read(env, 'REALTIME_RECONNECT_INTERVAL_MS', interval, `must be an integer from ${MIN_INTERVAL} to ${MAX_INTERVAL}`);
  const envDebug = read(env, 'REALTIME_RATE_LIMIT_DEBUG', bool, 'must be true, false, 1 or 0');

  if (options.provider !== undefined && !PROVIDERS.includes(options.provider)) {
    throw new TypeError(`options.provider must be "ws" or "sim" (got ${JSON.stringify(options.provider)})`);
  }
  const ri = options.reconnectIntervalMs;
  if (ri !== undefined && interval(String(ri)) === undefined) {
    throw new TypeError(`options.reconnectIntervalMs must be an integer from ${MIN_INTERVAL} to ${MAX_INTERVAL} (got ${JSON.stringify(ri)})`);
  }
  if (options.rateLimitDebug !== undefined && typeof options.rateLimitDebug !== 'boolean') {
    throw new TypeError(`options.rateLimitDebug must be a boolean (got ${JSON.stringify(options.rateLimitDebug)})`);
  }

  let provider = options.provider;
  if (provider === undefined) {
    const fromMock: ProviderKind | undefined = envMock === undefined ? undefined : envMock ? 'sim' : 'ws';
    if (envProvider !== undefined && fromMock !== undefined && envProvider !== fromMock) {
      throw new TypeError(
        `REALTIME_PROVIDER=${envProvider} conflicts with USE_MOCK_REALTIME=${env.USE_MOCK_REALTIME!.trim()}: ` +
          'remove one of them, or pass options.provider',
      );
    }
    // USE_MOCK_REALTIME defaults to false: the WebSocket provider unless something says otherwise.
    provider = envProvider ?? fromMock ?? 'ws';
  }
  return {
    provider,
    reconnectIntervalMs: ri ?? envInterval,
    rateLimitDebug: options.rateLimitDebug ?? envDebug ?? false,
  };
}

function read<T>(env: Env, name: string, parse: (v: string) => T | undefined, rule: string): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = parse(raw.trim());
  if (value === undefined) throw new TypeError(`${name} ${rule} (got ${JSON.stringify(raw)})`);
  return value;
}

function oneOf<T extends string>(v: string, allowed: readonly T[]): T | undefined {
  return (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}

function bool(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return undefined;
}

function interval(v: string): number | undefined {
  if (!/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= MIN_INTERVAL && n <= MAX_INTERVAL ? n : undefined;
}
