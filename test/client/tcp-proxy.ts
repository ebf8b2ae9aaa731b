/**
 * A TCP proxy between a client and a server, for network faults the server cannot fake: a
 * connection that goes silent without any close (`blackholeExisting`), one that is cut (`cutAll`),
 * or a server that cannot be reached for a while (`refuseNew`).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair { client: Socket; upstream: Socket; blackholed: boolean }

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  connections = 0;
  /** Reset new connections at once (the server is unreachable); existing ones are untouched. */
  refuseNew = false;
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = createServer((client) => {
      if (proxy.refuseNew) return void client.resetAndDestroy();
      proxy.connections++;
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: Pair = { client, upstream, blackholed: false };
      proxy.pairs.add(pair);
      client.on('data', (d) => pair.blackholed || upstream.write(d));
      upstream.on('data', (d) => pair.blackholed || client.write(d));
      const end = () => {
        proxy.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/realtime`;
  }

  /** Every open connection stops carrying bytes, both ways, and nobody is told. New ones work. */
  blackholeExisting(): void {
    for (const p of this.pairs) p.blackholed = true;
  }

  /** Reset every connection (the client sees an abnormal close, 1006). */
  cutAll(): void {
    for (const p of this.pairs) {
      p.client.resetAndDestroy();
      p.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
