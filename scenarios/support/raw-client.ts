/**
 * A bare protocol client (no SDK): for what the SDK would never send — floods beyond the rate
 * limit, over-long chat, forged tokens — and for members that must not reconnect.
 */
import WebSocket from 'ws';
import type { ServerMessage, ServerMessageOf, ServerMessageType } from '../../protocol/index.js';

export class RawClient {
  readonly received: Array<ServerMessage & { receivedAt: number }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push({ ...(JSON.parse(data.toString()) as ServerMessage), receivedAt: Date.now() });
      for (const l of [...this.listeners]) l();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  static open(baseUrl: string): Promise<RawClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/realtime`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Open a socket and join `roomId` as `userId` with a token from the development issuer. */
  static async join(baseUrl: string, roomId: string, userId: string, device: 'desktop' | 'mobile' = 'desktop'): Promise<RawClient> {
    const token = await fetchToken(baseUrl, roomId, userId, device);
    const client = await RawClient.open(baseUrl);
    client.send({ type: 'join_room', token });
    await client.next('room_state');
    return client;
  }

  send(msg: object): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  all<T extends ServerMessageType>(type: T): Array<ServerMessageOf<T> & { receivedAt: number }> {
    return this.received.filter((m) => m.type === type) as Array<ServerMessageOf<T> & { receivedAt: number }>;
  }

  /** The first message of `type` matching `where` received after `after` messages (default: any). */
  next<T extends ServerMessageType>(type: T, where: (m: ServerMessageOf<T>) => boolean = () => true, timeoutMs = 5000, after = 0): Promise<ServerMessageOf<T>> {
    const find = () => this.received.slice(after).find((m) => m.type === type && where(m as unknown as ServerMessageOf<T>)) as unknown as ServerMessageOf<T> | undefined;
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = () => {
        const m = find();
        if (!m) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

export async function fetchToken(baseUrl: string, roomId: string, userId: string, device: 'desktop' | 'mobile' = 'desktop'): Promise<string> {
  const res = await fetch(`${baseUrl}/rooms/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roomId, userId, device }),
  });
  if (!res.ok) throw new Error(`POST /rooms/join answered ${res.status}`);
  return ((await res.json()) as { realtimeToken: string }).realtimeToken;
}
