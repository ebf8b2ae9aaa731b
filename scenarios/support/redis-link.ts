/**
 * A TCP link between one gateway node and Redis that a test controls: `cut()` destroys the current
 * connections and refuses new ones (the node sees Redis vanish) until `restore()`. The node is
 * started with `--redis <link.redisUrl>`. Built on the chaos proxy.
 */
import { ChaosProxy } from './chaos-proxy.js';

export class RedisLink {
  private constructor(private readonly proxy: ChaosProxy) {}

  static async start(redisUrl: string): Promise<RedisLink> {
    return new RedisLink(await ChaosProxy.start(redisUrl));
  }

  /** The URL the node connects to (`--redis`). */
  get redisUrl(): string {
    return `redis://127.0.0.1:${this.proxy.port}`;
  }

  get isCut(): boolean {
    return this.proxy.offline;
  }

  /** Drop every connection to Redis at once and refuse new ones until `restore()`. */
  cut(): void {
    this.proxy.offline = true;
    this.proxy.cut();
  }

  /** Let the node reach Redis again (it reconnects on its own). */
  restore(): void {
    this.proxy.offline = false;
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}
