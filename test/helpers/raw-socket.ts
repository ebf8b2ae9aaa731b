/**
 * WebSocket at the byte level, over a plain TCP socket: for what no WebSocket library sends — many
 * control frames in one TCP write, an HTTP/1.0 upgrade — and to see exactly which frames come back
 * (and whether the connection ended with a close frame or was just dropped).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export const Opcode = { TEXT: 0x1, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface Frame {
  opcode: number;
  payload: Buffer;
}

export interface RawResponse {
  /** e.g. 101, 400, 503. */
  status: number;
  headers: Record<string, string>;
  /** The body of a refusal (the response up to the end of the connection); empty after a 101. */
  body: string;
}

/** One client frame, masked as RFC 6455 requires of clients (payload below 126 bytes). */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const data = Buffer.from(payload);
  if (data.length > 125) throw new Error('clientFrame: payloads up to 125 bytes only');
  const mask = randomBytes(4);
  const masked = Buffer.from(data.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | data.length]), mask, masked]);
}

/** A TCP connection that sent an upgrade request; frames after a 101 are parsed as they come. */
export class RawWebSocket {
  /** Frames received after the 101, in order. */
  readonly frames: Frame[] = [];
  /** Resolves when the TCP connection has ended (by either side), with whether a close frame came first. */
  readonly ended: Promise<{ closeFrame: Frame | undefined }>;
  private buffer = Buffer.alloc(0);
  private head: RawResponse | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // a reset ends the connection like any other end: see `ended`
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        if (this.head && this.head.status !== 101) this.head.body = this.buffer.toString('utf8');
        this.wake();
        resolve({ closeFrame: this.frames.find((f) => f.opcode === Opcode.CLOSE) });
      }),
    );
  }

  /** Connect to `port` and send an upgrade request for `path` with the given HTTP version. */
  static async open(port: number, options: { path?: string; httpVersion?: string; headers?: Record<string, string>; localAddress?: string } = {}): Promise<RawWebSocket> {
    const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const headers = {
      Host: `127.0.0.1:${port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      'Sec-WebSocket-Version': '13',
      ...options.headers,
    };
    const lines = [`GET ${options.path ?? '/realtime'} HTTP/${options.httpVersion ?? '1.1'}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    return new RawWebSocket(socket);
  }

  /** The status line and headers (waits for them); for a refusal, the body once the connection ended. */
  async response(timeoutMs = 5000): Promise<RawResponse> {
    await this.until(() => this.head !== undefined || this.socket.destroyed, timeoutMs, 'an HTTP response');
    if (!this.head) throw new Error('the connection ended without an HTTP response');
    if (this.head.status !== 101) await this.ended;
    return this.head;
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  /** Wait until `count` frames with `opcode` have arrived (or the connection ended: then it resolves with fewer). */
  async framesOf(opcode: number, count: number, timeoutMs = 10_000): Promise<Frame[]> {
    const of = () => this.frames.filter((f) => f.opcode === opcode);
    await this.until(() => of().length >= count || this.socket.destroyed, timeoutMs, `${count} frames of opcode ${opcode}`);
    return of();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms (frames so far: ${this.frames.map((f) => f.opcode).join(',')})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.head) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...headerLines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      this.head = { status: Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine!)?.[1] ?? 0), headers, body: '' };
      this.buffer = this.buffer.subarray(end + 4);
    }
    if (this.head.status === 101) this.parseFrames();
    this.wake();
  }

  /** Server frames are unmasked; lengths up to 64 bits (only 16-bit ones occur here). */
  private parseFrames(): void {
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0]! & 0x0f;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) return;
      this.frames.push({ opcode, payload: Buffer.from(this.buffer.subarray(offset, offset + length)) });
      this.buffer = this.buffer.subarray(offset + length);
    }
  }
}

/** The close code and reason of a close frame. */
export function closeOf(frame: Frame): { code: number; reason: string } {
  return { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString('utf8') };
}
