/**
 * Application-level liveness. The gateway pings at the WebSocket level, but browsers cannot see
 * those, and a connection can die without a close frame (Wi-Fi gone, laptop lid, a NAT forgetting
 * us). So: send `ping` every `intervalMs`; if nothing at all arrives within `timeoutMs` of a ping,
 * the connection is dead. Worst-case detection: interval + timeout after the last inbound message.
 */
import { Timer } from './clock.js';
import type { Clock } from './types.js';

export class Liveness {
  private readonly tick: Timer;
  private readonly deadline: Timer;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly sendPing: (ts: number) => void,
    private readonly onDead: () => void,
  ) {
    this.tick = new Timer(clock);
    this.deadline = new Timer(clock);
  }

  start(): void {
    this.stop();
    this.schedule();
  }

  stop(): void {
    this.tick.stop();
    this.deadline.stop();
  }

  /** Any inbound message proves the connection alive. */
  received(): void {
    this.deadline.stop();
  }

  private schedule(): void {
    this.tick.start(this.intervalMs, () => {
      this.sendPing(this.clock.now());
      if (!this.deadline.pending) this.deadline.start(this.timeoutMs, () => {
        this.tick.stop();
        this.onDead();
      });
      this.schedule();
    });
  }
}
