/**
 * A TCP proxy between bots and a gateway, for network chaos: `cut()` drops every connection
 * abruptly (no WebSocket close frame: a crashed NAT or Wi-Fi hand-off), `blackhole()` silently stops
 * forwarding on the current connections while leaving them open (a dead mobile link). New
 * connections are always forwarded, so clients can reconnect through it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class ChaosProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private readonly stalled = new Set<{ client: Socket; upstream: Socket }>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /**
   * Forward to the first reachable of `targets` (base URLs): with several, the proxy is a
   * fail-over balancer, so clients of a node that dies reconnect to the next one.
   */
  static async start(...targets: string[]): Promise<ChaosProxy> {
    const upstreams = targets.map((t) => new URL(t)).map((u) => ({ host: u.hostname, port: Number(u.port) }));
    let proxy: ChaosProxy | undefined;
    const server = createServer((client) => {
      if (proxy!.offline) return void client.destroy();
      client.pause();
      void connectFirst(upstreams).then(
        (upstream) => proxy!.join(client, upstream),
        () => client.destroy(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new ChaosProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** While offline, new connections are refused (dropped at once), as with no network at all. */
  offline = false;

  private join(client: Socket, upstream: Socket): void {
    const pair = { client, upstream };
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  /** Base URL for clients (HTTP and WebSocket go through the proxy). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** Drop every current connection at once, without a close frame. Returns how many. */
  cut(): number {
    const n = this.pairs.size;
    for (const { client, upstream } of [...this.pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    return n;
  }

  /** Drop one random connection abruptly. */
  cutOne(random: () => number = Math.random): boolean {
    const list = [...this.pairs];
    const pair = list[Math.floor(random() * list.length)];
    if (!pair) return false;
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
    return true;
  }

  /** Stop forwarding on every current connection, leaving them open: nothing arrives either way. */
  blackhole(): number {
    const list = [...this.pairs];
    this.pairs.clear(); // dead to the proxy; the endpoints find out by their own liveness checks
    for (const pair of list) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.pause();
      pair.upstream.pause();
      this.stalled.add(pair);
    }
    return list.length;
  }

  async close(): Promise<void> {
    this.cut();
    for (const { client, upstream } of this.stalled) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function connectFirst(upstreams: Array<{ host: string; port: number }>): Promise<Socket> {
  for (const { host, port } of upstreams) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, host);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch {
      // try the next one
    }
  }
  throw new Error('no upstream reachable');
}
