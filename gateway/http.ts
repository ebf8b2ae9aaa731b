/**
 * HTTP routes of the contract (section 4) plus the admin routes. Every error is JSON:
 * `{ "error": { "code", "message" } }` with a 4xx/5xx status.
 */
import { timingSafeEqual } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { IdSchema, JoinRequestSchema, type JoinResponse } from '../protocol/index.js';
import type { TokenIssuer } from './auth.js';
import type { GatewayConfig } from './config.js';
import type { Hub } from './hub.js';

const MAX_BODY_BYTES = 16 * 1024;
const BlockBodySchema = z.object({ userId: IdSchema, blockedUserId: IdSchema });

/** A route of the admin surface (gateway/admin.ts): true when it answered. */
export type AdminRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface HttpContext {
  config: GatewayConfig;
  hub: Hub;
  issuer: TokenIssuer | undefined;
  /** Extra handlers mounted by later features (static demo page, admin views); return true if handled. */
  extraRoutes: Array<(req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean>;
  /** Handlers of further `/admin/*` routes (gateway/admin.ts), asked after the admin token was checked. */
  adminRoutes: AdminRoute[];
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * Answer an upgrade request that will not become a WebSocket, with the JSON error body every route
 * uses. The socket is the client's raw connection (no ServerResponse exists for an upgrade); one that
 * does not close its side within 5 s is destroyed.
 */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string, headers: Record<string, string | number> = {}): void {
  // Node's HTTP server no longer listens for this socket's errors once it emitted 'upgrade': a
  // client that resets the connection (ECONNRESET) would otherwise throw and end the process.
  socket.on('error', () => socket.destroy());
  const body = JSON.stringify({ error: { code, message } });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), 5000).unref();
}

export function createRequestHandler(ctx: HttpContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(ctx, req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendJson(res, err.status, { error: { code: err.code, message: err.message } });
      ctx.hub.log.error({ err, url: req.url }, 'http request failed');
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
    });
  };
}

async function handle(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const { config, hub } = ctx;
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /healthz':
      return sendJson(res, 200, { status: 'ok', node: config.nodeId });
    case 'GET /readyz': {
      const ready = await hub.store.checkReady(1000);
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', store: hub.store.kind, node: config.nodeId });
    }
    case 'GET /metrics': {
      const text = await hub.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': hub.metrics.registry.contentType });
      return void res.end(text);
    }
    case 'OPTIONS /rooms/join':
      if (!ctx.issuer) break;
      res.writeHead(204, corsHeaders());
      return void res.end();
    case 'POST /rooms/join':
      if (!ctx.issuer) break; // production: the rooms service issues tokens, not the gateway
      return issueToken(ctx.issuer, config, req, res);
  }
  if (url.pathname.startsWith('/admin/')) return admin(ctx, req, res, url);
  for (const route of ctx.extraRoutes) if (await route(req, res, url)) return;
  const known = ['/healthz', '/readyz', '/metrics', '/rooms/join'].includes(url.pathname);
  if (known && !(url.pathname === '/rooms/join' && !ctx.issuer)) {
    throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
  }
  throw new HttpError(404, 'not_found', `no route ${req.method} ${url.pathname}`);
}

async function issueToken(issuer: TokenIssuer, config: GatewayConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = JoinRequestSchema.safeParse(await readJson(req));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HttpError(400, 'bad_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const { roomId, userId, displayName, device } = parsed.data;
  const { token, expiresAt } = await issuer.issue({ roomId, userId, displayName, device, ttlSeconds: config.tokenTtlSeconds });
  const body: JoinResponse = { realtimeToken: token, expiresAt, roomId, userId, wsUrl: wsUrlFor(req) };
  res.setHeader('access-control-allow-origin', '*');
  sendJson(res, 200, body);
}

/** The WebSocket URL as the client reached this server (honouring a TLS-terminating proxy). */
function wsUrlFor(req: IncomingMessage): string {
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'wss' : 'ws';
  return `${proto}://${req.headers.host ?? 'localhost'}/realtime`;
}

function corsHeaders(): Record<string, string> {
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '600',
  };
}

/** `PUT|DELETE /admin/blocks` with `{ userId, blockedUserId }`; `GET /admin/blocks/:userId`. */
async function admin(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  requireAdmin(ctx.config, req);
  const { store } = ctx.hub;
  if (url.pathname === '/admin/blocks' && (req.method === 'PUT' || req.method === 'DELETE')) {
    const parsed = BlockBodySchema.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, 'bad_request', 'body must be { "userId": id, "blockedUserId": id }');
    const { userId, blockedUserId } = parsed.data;
    await store.setBlocked(userId, blockedUserId, req.method === 'PUT');
    return sendJson(res, 200, { userId, blocked: await store.getBlocked(userId) });
  }
  const match = /^\/admin\/blocks\/([^/]+)$/.exec(url.pathname);
  if (match && req.method === 'GET') {
    const userId = IdSchema.safeParse(decodeURIComponent(match[1]!));
    if (!userId.success) throw new HttpError(400, 'bad_request', 'not a valid user id');
    return sendJson(res, 200, { userId: userId.data, blocked: await store.getBlocked(userId.data) });
  }
  for (const route of ctx.adminRoutes) if (await route(req, res, url)) return;
  throw new HttpError(404, 'not_found', `no admin route ${req.method} ${url.pathname}`);
}

/** Admin routes need `Authorization: Bearer <admin token>`; without a configured token they do not exist. */
export function requireAdmin(config: GatewayConfig, req: IncomingMessage): void {
  if (!config.adminToken) throw new HttpError(404, 'not_found', 'admin routes are disabled (set RTGW_ADMIN_TOKEN)');
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(config.adminToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(401, 'unauthorized', given ? 'the admin token is wrong' : 'an admin token is required (Authorization: Bearer …)');
  }
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) throw new HttpError(400, 'bad_request', 'a JSON body is required');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_request', 'the body is not valid JSON');
  }
}
