/**
 * The bench's baseline: the least a WebSocket relay can do. No auth (the "token" is the room and
 * user in base64url JSON), no validation, no store, no rate limit, no coalescing: every transform
 * is forwarded at once to every other member of its room, one frame per transform per recipient
 * (serialised once, like rtgw's shared frames). It speaks enough of the protocol for the same load
 * generator to drive it: POST /rooms/join, GET /healthz, join_room -> room_state,
 * avatar_transform -> avatar_transform_broadcast (with `ts`), chat_send -> chat_broadcast, ping -> pong.
 *
 *   node dist/bench/bare-relay.js [--port 0] [--host 127.0.0.1]   (prints "bare relay listening on http://HOST:PORT")
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ClientMessage, JoinResponse, ServerMessageOf } from '../protocol/index.js';

interface Member {
  ws: WebSocket;
  userId: string;
  roomId: string;
}

export interface BareRelay {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startBareRelay(options: { port?: number; host?: string } = {}): Promise<BareRelay> {
  const host = options.host ?? '127.0.0.1';
  const rooms = new Map<string, Set<Member>>();
  let chatId = 0;
  let listening = 0;

  const server = createServer((req, res) => void http(req, res));
  async function http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/healthz') return json(res, 200, { status: 'ok', node: 'bare-relay' });
    if (req.method === 'POST' && req.url === '/rooms/join') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const { roomId, userId } = JSON.parse(body) as { roomId: string; userId: string };
      const answer: JoinResponse = {
        realtimeToken: Buffer.from(JSON.stringify({ roomId, userId })).toString('base64url'),
        expiresAt: Date.now() + 3_600_000,
        roomId,
        userId,
        wsUrl: `ws://${host}:${listening}/realtime`,
      };
      return json(res, 200, answer);
    }
    json(res, 404, { error: { code: 'not_found', message: 'not found' } });
  }

  const wss = new WebSocketServer({ server, path: '/realtime', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    let member: Member | undefined;
    let room: Set<Member> | undefined;
    ws.on('message', (data: RawData) => {
      const msg = JSON.parse(data.toString()) as ClientMessage;
      if (msg.type === 'avatar_transform') {
        if (!member || !room) return;
        const { type: _t, ...t } = msg;
        const frame = JSON.stringify({ type: 'avatar_transform_broadcast', transforms: [{ userId: member.userId, ...t, ts: Date.now() }] });
        for (const other of room) if (other !== member) other.ws.send(frame);
      } else if (msg.type === 'join_room') {
        const claims = JSON.parse(Buffer.from(msg.token, 'base64url').toString()) as { roomId: string; userId: string };
        room = rooms.get(claims.roomId) ?? new Set();
        rooms.set(claims.roomId, room);
        for (const m of room) if (m.userId === claims.userId) room.delete(m); // a rejoin replaces
        member = { ws, userId: claims.userId, roomId: claims.roomId };
        room.add(member);
        const state: ServerMessageOf<'room_state'> = { type: 'room_state', roomId: claims.roomId, self: { userId: claims.userId, sessionId: 'bare' }, members: [], chat: [], serverTime: Date.now() };
        ws.send(JSON.stringify(state));
      } else if (msg.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', ts: msg.ts, serverTime: Date.now() } satisfies ServerMessageOf<'pong'>));
      } else if (msg.type === 'chat_send' && member && room) {
        const message = { type: 'chat_broadcast', id: String(++chatId), roomId: member.roomId, userId: member.userId, displayName: member.userId, text: msg.text, ts: Date.now() } satisfies ServerMessageOf<'chat_broadcast'>;
        const shared = JSON.stringify(message);
        for (const other of room) other.ws.send(other === member ? JSON.stringify({ ...message, clientMsgId: msg.clientMsgId }) : shared);
      }
    });
    ws.on('close', () => {
      if (member && room) room.delete(member);
    });
    ws.on('error', () => {});
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  listening = port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

// Run as a program (the bench starts it as a child process, like `rtgw serve`).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  const relay = await startBareRelay({ port: Number(arg('--port') ?? 0), host: arg('--host') ?? '127.0.0.1' });
  process.stdout.write(`bare relay listening on ${relay.url}\n`);
  const stop = () => void relay.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
