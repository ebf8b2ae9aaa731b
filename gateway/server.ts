/**
 * startGateway: config -> store -> verifier -> hub -> HTTP server with the WebSocket endpoint.
 * Also liveness pings and graceful shutdown (1001 to every socket, presence cleaned up).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CloseCode, Limits, UpgradeRefusal } from '../protocol/index.js';
import { startAdmin } from './admin.js';
import { TokenIssuer, TokenVerifier } from './auth.js';
import { configFromEnv, resolveConfig, type GatewayConfig, type GatewayConfigInput } from './config.js';
import { ConnectionLimits, clientAddress, unmapped, type CapRefusal } from './connection-limits.js';
import { createRequestHandler, refuseUpgrade, type HttpContext } from './http.js';
import { Hub } from './hub.js';
import { createLogger, type Logger } from './log.js';
import { GatewayMetrics } from './metrics.js';
import { Session } from './session.js';
import { createStore } from './store/index.js';
import type { Store } from './store/types.js';

export interface StartGatewayOptions extends GatewayConfigInput {
  /** Use this store instead of building one from the config (tests share a MemoryBackend between nodes). */
  store?: Store;
  /** Read RTGW_* / REDIS_URL / NODE_ENV from the environment (the CLI does; tests do not). Default false. */
  useEnv?: boolean;
  logger?: Logger;
}

export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:8080 (WebSocket at `${url.replace('http','ws')}/realtime`). */
  readonly url: string;
  readonly port: number;
  readonly config: GatewayConfig;
  readonly store: Store;
  readonly hub: Hub;
  readonly log: Logger;
  /** Mount another HTTP handler (static files, admin views); it returns true when it answered. */
  addRoute(route: HttpContext['extraRoutes'][number]): void;
  /**
   * Graceful shutdown: close sockets with 1001, remove this node's members, stop. Idempotent.
   * `drainMs`: how long members get to resume on another node before they are announced as left
   * (default: the grace period, at most 5 s, with a shared store; 0 with the in-memory store).
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<Gateway> {
  const { store: givenStore, useEnv, logger, ...input } = options;
  const config = resolveConfig(input, useEnv ? configFromEnv() : {});
  const log = logger ?? createLogger(config.logLevel, config.nodeId);
  const store = givenStore ?? createStore({ redisUrl: config.redisUrl, redisClusterNodes: config.redisClusterNodes, keyPrefix: config.keyPrefix, logger: log, commandTimeoutMs: config.storeTimeoutMs });
  const verifier = await TokenVerifier.fromConfig(config);
  const metrics = new GatewayMetrics(config.nodeId);
  const hub = new Hub(config, store, verifier, metrics, log);
  await store.start(hub);
  hub.start();

  const issuer = config.devIssuer ? new TokenIssuer(config.jwtSecret!, config.jwtAudience, config.jwtIssuer) : undefined;
  const admin = startAdmin(hub); // the read-only /admin views and this node's stats record
  const ctx: HttpContext = { config, hub, issuer, extraRoutes: [], adminRoutes: [admin.route] };
  // Sessions answer ping frames themselves (session.ts says why), unless a test asks for ws's own way.
  const autoPong = config.faults.includes('ws-auto-pong');
  const wss = new WebSocketServer({ noServer: true, maxPayload: Limits.MAX_FRAME_BYTES, perMessageDeflate: false, autoPong });
  const server = createServer(createRequestHandler(ctx));
  const sessions = new Set<Session>();
  const limits = new ConnectionLimits(config, (n) => metrics.unauthenticated.set(n));
  const trustedProxies = new Set(config.trustedProxies.map(unmapped));
  let closing: Promise<void> | undefined;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (reason: UpgradeRefusal, status: number, message: string, retryAfterS?: number) => {
      metrics.connectionRefused(reason);
      refuseUpgrade(socket, status, reason === UpgradeRefusal.HTTP_VERSION ? 'bad_request' : reason, message, retryAfterS ? { 'Retry-After': retryAfterS } : {});
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/realtime') return refuse(UpgradeRefusal.NOT_FOUND, 404, `no WebSocket endpoint at ${path.slice(0, 100)}; use /realtime`);
    if (closing) return refuse(UpgradeRefusal.SHUTTING_DOWN, 503, 'this node is shutting down; connect again');
    // RFC 6455 section 4.1: the opening handshake is an HTTP/1.1 (or later) GET.
    if (req.httpVersionMajor < 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor < 1)) {
      return refuse(UpgradeRefusal.HTTP_VERSION, 400, `a WebSocket upgrade needs HTTP/1.1 or later, not HTTP/${req.httpVersion}`);
    }
    // Decided before ws accepts, so a refused socket costs a few bytes of HTTP and nothing more.
    const admission = limits.admit(clientAddress(req, trustedProxies));
    if (!admission.ok) {
      const { flag, retryAfterS } = CAPS[admission.reason];
      return refuse(admission.reason, 503, `this node holds ${flag} (${admission.limit}) connections; try again later`, retryAfterS);
    }
    const { ticket } = admission;
    socket.once('close', () => ticket.release());
    wss.handleUpgrade(req, socket, head, (ws) => {
      metrics.connections.inc();
      sessions.add(new Session(ws, hub, ticket));
    });
  });
  const pingTimer = setInterval(() => {
    for (const session of sessions) {
      if (session.isOpen) session.heartbeat();
      else sessions.delete(session);
    }
  }, config.pingIntervalMs);

  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    clearInterval(pingTimer);
    admin.stop();
    hub.stop();
    await store.close();
    metrics.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    config,
    store,
    hub,
    log,
    addRoute: (route) => ctx.extraRoutes.push(route),
    close: ({ drainMs } = {}) =>
      (closing ??= (async () => {
        clearInterval(pingTimer);
        admin.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const session of sessions) session.close(CloseCode.GOING_AWAY, 'server shutting down');
        server.closeAllConnections();
        hub.stop();
        // With a shared store, give members the grace period to resume on another node; alone,
        // nobody can take them over, so they leave at once.
        const agreed = await hub.presence.drain(drainMs ?? (store.kind === 'redis' ? Math.min(config.graceMs, Limits.PRESENCE_GRACE_MS) : 0));
        // Drop the lease only when every removal succeeded; otherwise it lapses and a survivor reaps.
        if (agreed) await store.dropNode(config.nodeId).catch(() => {});
        else log.warn('shutdown: some members could not be removed; leaving the lease to lapse so that another node reaps them');
        await store.close();
        metrics.close();
        wss.close();
        await stopped;
      })()),
  };
}

/**
 * The connection caps, as a refused client reads them. Retry-After: an unauthenticated socket has
 * at most the auth timeout (5 s) to join or go; other sockets free up more slowly.
 */
const CAPS: Record<CapRefusal, { flag: string; retryAfterS: number }> = {
  [UpgradeRefusal.MAX_CONNECTIONS]: { flag: '--max-connections', retryAfterS: 10 },
  [UpgradeRefusal.MAX_CONNECTIONS_PER_IP]: { flag: '--max-connections-per-ip', retryAfterS: 10 },
  [UpgradeRefusal.MAX_UNAUTHENTICATED]: { flag: '--max-unauthenticated', retryAfterS: Limits.AUTH_TIMEOUT_MS / 1000 },
};

const LISTEN_BACKLOG = 4096;

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use (try --port)`) : err);
    };
    server.once('error', onError);
    // A reconnect storm (a node restart, a network blip) brings every client back at once: a deep
    // accept queue keeps the kernel from dropping their SYNs (which costs each a 1 s retransmit).
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
