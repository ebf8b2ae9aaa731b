/**
 * A protocol-level test client: raw WebSocket, every received message kept in order, and awaitable
 * expectations (`next(type)`) so tests wait on events, never on sleeps.
 */
import WebSocket from 'ws';
import type { ServerMessage, ServerMessageOf, ServerMessageType } from '../../protocol/index.js';
import { Inbox } from '../../scenarios/support/inbox.js';

export interface Closed {
  code: number;
  reason: string;
}

export class TestClient {
  private readonly inbox = new Inbox();
  readonly closed: Promise<Closed>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.inbox.push(JSON.parse(data.toString()) as ServerMessage);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(wsUrl: string): Promise<TestClient> {
    const ws = new WebSocket(wsUrl);
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(msg: object): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** Every message received, in order. */
  get received(): ServerMessage[] {
    return this.inbox.received;
  }

  /** The next unread message of `type` (optionally matching `where`), waiting up to `timeoutMs`. */
  next<T extends ServerMessageType>(type: T, where?: (m: ServerMessageOf<T>) => boolean, timeoutMs?: number): Promise<ServerMessageOf<T>> {
    return this.inbox.next(type, where, timeoutMs);
  }

  /** Unread messages of a type, left unread. */
  unreadOf<T extends ServerMessageType>(type: T): ServerMessageOf<T>[] {
    return this.inbox.unreadOf(type);
  }

  /** Everything received of a type so far. */
  all<T extends ServerMessageType>(type: T): ServerMessageOf<T>[] {
    return this.inbox.all(type);
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }




  /** Round trip through the server: everything the server sent this socket before the pong has arrived. */
  async sync(): Promise<void> {
    const ts = Math.random();
    this.send({ type: 'ping', ts });
    await this.next('pong', (m) => m.ts === ts);
  }

  close(code = 1000): Promise<Closed> {
    this.ws.close(code);
    return this.closed;
  }

  /** Drop the TCP connection without a close frame. */
  kill(): void {
    this.ws.terminate();
  }
}

export interface JoinOptions {
  displayName?: string;
  device?: 'desktop' | 'mobile';
}

/** Fetch a token from the development issuer. */
export async function fetchToken(baseUrl: string, roomId: string, userId: string, opts: JoinOptions = {}): Promise<{ realtimeToken: string; expiresAt: number; wsUrl: string }> {
  const res = await fetch(`${baseUrl}/rooms/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roomId, userId, ...opts }),
  });
  if (!res.ok) throw new Error(`POST /rooms/join answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { realtimeToken: string; expiresAt: number; wsUrl: string };
}

export function wsUrlOf(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/realtime`;
}

/** Open a socket, join `roomId` as `userId`, and wait for `room_state`. */
export async function joinAs(baseUrl: string, roomId: string, userId: string, opts: JoinOptions = {}): Promise<{ client: TestClient; state: ServerMessageOf<'room_state'> }> {
  const { realtimeToken } = await fetchToken(baseUrl, roomId, userId, opts);
  const client = await TestClient.open(wsUrlOf(baseUrl));
  client.send({ type: 'join_room', token: realtimeToken });
  const state = await client.next('room_state');
  return { client, state };
}
