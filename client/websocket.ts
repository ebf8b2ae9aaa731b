/**
 * Which WebSocket to use and how to read its frames, in one place so the rest of the SDK is
 * platform-neutral. The `ws` package is never imported statically: browsers have a global
 * `WebSocket`, and Node callers either pass `ws` in or get it loaded lazily here.
 */
import type { WebSocketConstructor } from './types.js';

/** Standard readyState values (the same on every platform). */
export const OPEN = 1;

export async function resolveWebSocket(explicit?: WebSocketConstructor): Promise<WebSocketConstructor> {
  if (explicit) return explicit;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === 'function') return global;
  // Node 20 has no global WebSocket. A variable specifier keeps bundlers from pulling `ws` into
  // the browser bundle (this line never runs there).
  const specifier = 'ws';
  try {
    const mod = (await import(/* @vite-ignore */ specifier)) as { default?: WebSocketConstructor; WebSocket?: WebSocketConstructor };
    const ctor = mod.default ?? mod.WebSocket;
    if (ctor) return ctor;
  } catch {
    // fall through to the error below
  }
  throw new TypeError('no WebSocket implementation: pass options.WebSocket (e.g. `import WebSocket from "ws"`)');
}

const decoder = typeof TextDecoder === 'function' ? new TextDecoder() : undefined;

/** A text frame as a string; undefined for what v1 does not speak (binary frames, Blobs). */
export function frameText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  // `ws` configured with binaryType "nodebuffer" hands text frames over as Buffers in some setups.
  if (decoder && data instanceof Uint8Array) return decoder.decode(data);
  return undefined;
}

/** `http://host:8080/base` -> `ws://host:8080/realtime` (the gateway serves WebSockets at /realtime). */
export function defaultWsUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/realtime';
  u.search = '';
  u.hash = '';
  return u.toString();
}
