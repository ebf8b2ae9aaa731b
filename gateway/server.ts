// Placeholder while the gateway core is written; the signature below is the stable API.
import type { GatewayConfig, GatewayConfigInput } from './config.js';
import type { Store } from './store/types.js';

export interface StartGatewayOptions extends GatewayConfigInput {
  /** Use this store instead of building one from the config (tests share a MemoryBackend between nodes). */
  store?: Store;
}

export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:8080 (WebSocket at `${url.replace('http','ws')}/realtime`). */
  readonly url: string;
  readonly port: number;
  readonly config: GatewayConfig;
  readonly store: Store;
  /** Graceful shutdown: close sockets with 1001, remove this node's members, stop. */
  close(): Promise<void>;
}

export async function startGateway(_options: StartGatewayOptions = {}): Promise<Gateway> {
  throw new Error('not implemented yet');
}
