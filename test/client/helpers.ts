/**
 * Shared test helpers for the client SDK: awaiting provider events, backends (the real gateway or
 * the fake one) behind one shape, a WebSocket constructor that lets a test reach the client's sockets.
 */
import WebSocket from 'ws';
import { closeTestGateways, startTestGateway } from '../helpers/gateway.js';
import type { RealtimeEvents, RealtimeProvider, WebSocketConstructor } from '../../client/index.js';
import { FakeGateway, type FakeGatewayOptions } from './fake-server.js';

type Payload<K extends keyof RealtimeEvents> = Parameters<RealtimeEvents[K]>[0];

/** The next `name` event matching `match` (default: any), or a rejection after `timeoutMs`. */
export function nextEvent<K extends keyof RealtimeEvents>(
  provider: RealtimeProvider,
  name: K,
  match: (payload: Payload<K>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Payload<K>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = provider.on(name, ((payload: Payload<K>) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    }) as RealtimeEvents[K]);
  });
}

/** Every `name` event from now on. */
export function record<K extends keyof RealtimeEvents>(provider: RealtimeProvider, name: K): Payload<K>[] {
  const out: Payload<K>[] = [];
  provider.on(name, ((payload: Payload<K>) => out.push(payload)) as RealtimeEvents[K]);
  return out;
}

export function waitForStatus(provider: RealtimeProvider, status: string, timeoutMs = 10_000) {
  if (provider.getState().connection.status === status) return Promise.resolve(provider.getState().connection);
  return nextEvent(provider, 'connectionState', (s) => s.status === status, timeoutMs);
}

let counter = 0;
/** A user or room id unique within the run (the gateway's chat limit is per user). */
export function uid(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

/** `ws`, remembering every socket it made so a test can kill the client's side. */
export function trackingWebSocket(): { WebSocket: WebSocketConstructor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Tracking extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracking as unknown as WebSocketConstructor, sockets };
}

export const wsCtor = WebSocket as unknown as WebSocketConstructor;

// ---------------------------------------------------------------- backends

export interface Backend {
  kind: 'gateway' | 'fake';
  url: string;
  port: number;
  /** Close and start again on the same port (state is lost; the JWT secret is kept). */
  restart(): Promise<void>;
  close(): Promise<void>;
  fake?: FakeGateway;
}

export interface BackendOptions {
  graceMs?: number;
  tokenTtlSeconds?: number;
  rateLimitDebug?: boolean;
}

export async function startBackend(kind: Backend['kind'], o: BackendOptions = {}): Promise<Backend> {
  if (kind === 'fake') {
    const fakeOptions: FakeGatewayOptions = { graceMs: o.graceMs, rateLimitDebug: o.rateLimitDebug };
    if (o.tokenTtlSeconds) fakeOptions.tokenTtlMs = o.tokenTtlSeconds * 1000;
    const fake = await FakeGateway.start(Object.fromEntries(Object.entries(fakeOptions).filter(([, v]) => v !== undefined)));
    return { kind, url: fake.url, port: fake.port, restart: () => fake.restart(), close: () => fake.close(), fake };
  }
  const options = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  let gw = await startTestGateway(options);
  const port = gw.port;
  return {
    kind,
    url: gw.url,
    port,
    async restart() {
      await gw.close();
      gw = await startTestGateway({ ...options, port });
    },
    close: () => closeTestGateways(),
  };
}

/** Whether the real gateway starts (it threw 'not implemented yet' while being written). */
export async function gatewayWorks(): Promise<boolean> {
  try {
    const gw = await startTestGateway();
    await closeTestGateways();
    void gw;
    return true;
  } catch (err) {
    if (err instanceof Error && err.message === 'not implemented yet') return false;
    throw err;
  }
}
