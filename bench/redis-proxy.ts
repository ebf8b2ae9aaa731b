/**
 * A TCP proxy between the gateway and its Redis that counts what the gateway asks: requests (RESP
 * commands, read from the byte stream: one EVALSHA is one request, however many commands its
 * script runs inside Redis) and round trips.
 *
 * A round trip is a request burst: bytes from the gateway on one connection after Redis last
 * answered there (or first). Commands the gateway writes together — a pipeline, a MULTI, or calls
 * made in one tick without waiting — travel in one burst and cost one wait; a command sent only
 * after an answer starts another. Bursts on different connections (commands and subscriber) each
 * count, even when they overlap in time — and so does a write that follows an answer although
 * nothing waits for it (a publish after a script), so bursts are an upper bound on waits.
 *
 * What a client actually waits for is measured by delay instead: with `setDelay(ms)`, every answer
 * (bytes from Redis while a request is outstanding on that connection) is held back by `ms`, so an
 * operation that waits for k round trips in sequence takes k x ms longer. Pushes with no request
 * outstanding (pub/sub messages on a quiet subscriber connection) pass at once.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ProxyCounts {
  /** RESP requests the clients sent. */
  requests: number;
  /** Request bursts: client bytes after the server's last answer on that connection. */
  bursts: number;
  /** Client connections accepted so far. */
  connections: number;
}

export interface CountingProxy {
  readonly url: string;
  readonly port: number;
  counts(): ProxyCounts;
  /** Hold every answer back by this many ms from now on (0: none). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startCountingProxy(target: { host?: string; port: number }): Promise<CountingProxy> {
  const totals: ProxyCounts = { requests: 0, bursts: 0, connections: 0 };
  const sockets = new Set<Socket>();
  let delayMs = 0;
  const server: Server = createServer({ noDelay: true }, (client) => {
    totals.connections++;
    const upstream = connect({ port: target.port, host: target.host ?? '127.0.0.1', noDelay: true });
    sockets.add(client).add(upstream);
    // Delayed answers keep their order: each leaves no earlier than the one before it.
    let lastDue = 0;
    const requests = new RequestCounter();
    // True once Redis answered since the client last wrote: the client's next bytes start a burst.
    let answered = true;
    client.on('data', (chunk: Buffer) => {
      if (answered) totals.bursts++;
      answered = false;
      totals.requests += requests.feed(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const isAnswer = !answered;
      answered = true;
      if (delayMs === 0 && lastDue <= performance.now()) return void client.write(chunk);
      const due = Math.max(performance.now() + (isAnswer ? delayMs : 0), lastDue);
      lastDue = due;
      setTimeout(() => client.write(chunk), due - performance.now());
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    counts: () => ({ ...totals }),
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Counts RESP requests in a client's byte stream, across chunk boundaries. Clients send each
 * command as an array of bulk strings (`*N\r\n` then N times `$LEN\r\n` + LEN bytes + `\r\n`);
 * an inline command (a line not starting with `*`) counts as one too.
 */
export class RequestCounter {
  /** Bytes of an unfinished header line. */
  private line = '';
  /** Bulk strings left in the current array, and bytes left to skip in the current bulk (data + CRLF). */
  private bulksLeft = 0;
  private skip = 0;

  /** Feed the next chunk; returns the requests that started in it. */
  feed(chunk: Buffer): number {
    let started = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const nl = chunk.indexOf(10, i); // '\n'
      if (nl === -1) {
        this.line += chunk.toString('latin1', i);
        break;
      }
      const line = (this.line + chunk.toString('latin1', i, nl)).replace(/\r$/, '');
      this.line = '';
      i = nl + 1;
      if (this.bulksLeft > 0) {
        // `$LEN`: skip the data and its CRLF.
        this.skip = Number(line.slice(1)) + 2;
        this.bulksLeft--;
      } else if (line.startsWith('*')) {
        started++;
        this.bulksLeft = Math.max(0, Number(line.slice(1)));
      } else if (line !== '') {
        started++; // an inline command
      }
    }
    return started;
  }
}
