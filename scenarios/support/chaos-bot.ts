/**
 * A bot for the chaos scenario, on the raw protocol (TrackedClient) so that every frame is judged
 * as it arrives: it joins through any node that is up, walks, chats, and when its socket dies —
 * killed on purpose, its node killed, or refused while Redis is down — reconnects after a short
 * random pause and re-sends its unanswered chats with their original clientMsgId, as the SDK does.
 */
import { TrackedClient } from './tracked-client.js';

export interface ChaosBotOptions {
  userId: string;
  roomId: string;
  /** The WebSocket URL of a node that is up, picked at random; undefined when none is. */
  pickNode: () => string | undefined;
  token: (roomId: string, userId: string) => Promise<string>;
  random?: () => number;
}

export class ChaosBot {
  /** Every socket this bot opened, oldest first (the convergence check judges them all). */
  readonly clients: TrackedClient[] = [];
  /** Close codes its sockets got, for the report. */
  readonly closes: number[] = [];
  private current: TrackedClient | undefined;
  private connecting = false;
  private stopped = false;
  private seq = 0;
  private readonly random: () => number;

  constructor(private readonly o: ChaosBotOptions) {
    this.random = o.random ?? Math.random;
  }

  get userId(): string {
    return this.o.userId;
  }

  get live(): boolean {
    return this.current?.live ?? false;
  }

  private lost = 0;

  /** Chats sent and not yet answered (on the current or a dead socket). */
  get unanswered(): number {
    return this.clients.reduce((n, c) => n + c.pending.size, 0);
  }

  /** Connect, retrying until joined (or stopped). */
  async connect(): Promise<void> {
    if (this.connecting || this.stopped) return;
    this.connecting = true;
    try {
      let backoff = 200;
      while (!this.stopped) {
        const url = this.o.pickNode();
        if (url) {
          const client = await TrackedClient.open(url, this.o.userId, `${this.o.userId}#${this.clients.length + 1}`).catch(() => undefined);
          if (client) {
            this.clients.push(client);
            void client.closed.then((c) => this.onClosed(client, c.code));
            client.send({ type: 'join_room', token: await this.o.token(this.o.roomId, this.o.userId) });
            const joined = await client.untilJoined(5000).then(
              () => true,
              () => false,
            );
            if (joined) {
              this.current = client;
              for (const old of this.clients) if (old !== client) client.adoptPending(old);
              return;
            }
            if (client.isOpen) client.kill(); // stuck join (its node is frozen): try another
          }
        }
        await delay(backoff * (0.5 + this.random()));
        backoff = Math.min(backoff * 2, 2000);
      }
    } finally {
      this.connecting = false;
    }
  }

  /** Drop the socket abruptly (no close frame); the bot reconnects by itself. */
  kill(): void {
    this.current?.kill();
  }

  /** Send a chat, answered later (or resent after a reconnect). */
  chat(text: string): boolean {
    if (!this.current?.live) return false;
    void this.current.sendChat(text);
    return true;
  }

  /**
   * Send a chat and, once the gateway has answered it, drop the socket as if that answer had been
   * lost in flight: the chat stays unanswered, so the bot resends it after reconnecting (the case
   * that duplicates chat unless the gateway deduplicates by clientMsgId).
   */
  chatAndLoseAnswer(text: string): boolean {
    const client = this.current;
    if (!client?.live) return false;
    const id = `${client.label}-lost-${++this.lost}`;
    void client.sendChat(text, id).then(() => {
      if (!client.isOpen) return;
      client.pending.set(id, { text, answer: () => {} });
      client.kill();
    });
    return true;
  }

  move(): void {
    if (!this.current?.live) return;
    this.seq++;
    this.current.send({ type: 'avatar_transform', p: [Math.round(this.random() * 2000) / 100, 0, this.seq % 1000], r: [0, 0, 0, 1], seq: this.seq });
  }

  /** Stop reconnecting; sockets stay as they are (the check needs the live ones open). */
  freeze(): void {
    this.stopped = true;
  }

  /** Close everything. */
  stop(): void {
    this.stopped = true;
    for (const c of this.clients) if (c.isOpen) c.kill();
  }

  private onClosed(client: TrackedClient, code: number): void {
    this.closes.push(code);
    if (client !== this.current || this.stopped) return;
    this.current = undefined;
    void delay(100 + this.random() * 700).then(() => this.connect());
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
