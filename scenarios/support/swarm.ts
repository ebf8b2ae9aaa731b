/**
 * A swarm of bots that walk, turn and chat in one room, optionally losing their sockets at random
 * (through a chaos proxy) to exercise reconnects. `rtgw bots` runs one; so can tests.
 */
import { Bot } from './bot.js';
import { ChaosProxy } from './chaos-proxy.js';
import { yawQuat } from './motion.js';

export interface SwarmOptions {
  url: string;
  room: string;
  count: number;
  /** Transforms per second each bot tries to send (the SDK paces to the device's limit). */
  rate: number;
  /** Mean seconds between chat messages of one bot; 0 for none. */
  chatEvery: number;
  /** Fraction of bots that are mobile (15/s). */
  mobileRatio: number;
  /** Seconds between abrupt kills of a random bot's socket; 0 for none. */
  killEvery: number;
  /** Half-width of the square floor, in metres. */
  area?: number;
  random?: () => number;
}

export interface SwarmStats {
  bots: number;
  connected: number;
  reconnects: number;
  kills: number;
  sent: number;
  received: number;
  chatsSent: number;
  chatsReceived: number;
}

const NAMES = ['Ada', 'Bashir', 'Chen', 'Dara', 'Emeka', 'Freya', 'Gita', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Mateo', 'Noor', 'Olu', 'Priya'];
const LINES = ['hi all', 'anyone here?', 'nice room', 'brb', 'look at this view', 'who is building the tower?', 'gg', 'see you at the plaza'];

interface Walker {
  bot: Bot;
  x: number;
  z: number;
  yaw: number;
  nextChatAt: number;
}

export class Swarm {
  private readonly walkers: Walker[] = [];
  private proxy: ChaosProxy | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly counters = { sent: 0, received: 0, chatsSent: 0, chatsReceived: 0, kills: 0 };
  private readonly random: () => number;

  constructor(private readonly o: SwarmOptions) {
    this.random = o.random ?? Math.random;
  }

  /** Join every bot, then start walking (and killing, when asked). */
  async start(): Promise<void> {
    const { o } = this;
    let url = o.url;
    if (o.killEvery > 0) {
      this.proxy = await ChaosProxy.start(o.url);
      url = this.proxy.url;
    }
    const area = o.area ?? 10;
    for (let i = 0; i < o.count; i++) {
      const name = `${NAMES[i % NAMES.length]}${i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : ''}`;
      const device = i < Math.round(o.count * o.mobileRatio) ? 'mobile' : 'desktop';
      const bot = new Bot({ url, userId: `bot-${i + 1}`, displayName: `Bot ${name}`, device });
      bot.provider.on('transforms', (ts) => (this.counters.received += ts.length));
      bot.provider.on('chat', (m) => m.userId !== bot.userId && this.counters.chatsReceived++);
      this.walkers.push({ bot, x: (this.random() * 2 - 1) * area, z: (this.random() * 2 - 1) * area, yaw: this.random() * Math.PI * 2, nextChatAt: this.nextChat() });
    }
    await Promise.all(this.walkers.map((w) => w.bot.provider.joinRoom(o.room)));
    const dt = 1 / o.rate;
    this.timers.push(setInterval(() => this.step(dt, area), 1000 / o.rate));
    if (o.killEvery > 0) {
      this.timers.push(setInterval(() => this.proxy!.cutOne(this.random) && this.counters.kills++, o.killEvery * 1000));
    }
  }

  stats(): SwarmStats {
    const reconnects = this.walkers.reduce((n, w) => n + w.bot.roomStates.filter((s) => s.rejoined).length, 0);
    return {
      bots: this.walkers.length,
      connected: this.walkers.filter((w) => w.bot.status === 'open').length,
      reconnects,
      ...this.counters,
    };
  }

  /** Leave the room (others see member_left at once) and close everything. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled(this.walkers.map((w) => w.bot.stop()));
    await this.proxy?.close();
  }

  private step(dt: number, area: number): void {
    const now = Date.now();
    for (const w of this.walkers) {
      // Wander: turn a little each step; turn back towards the middle at the edges.
      w.yaw += (this.random() - 0.5) * 0.6;
      if (Math.abs(w.x) > area || Math.abs(w.z) > area) w.yaw = Math.atan2(-w.x, -w.z);
      w.x += Math.sin(w.yaw) * 1.5 * dt;
      w.z += Math.cos(w.yaw) * 1.5 * dt;
      if (w.bot.status !== 'open') continue;
      w.bot.provider.sendTransform([round(w.x), 0, round(w.z)], yawQuat(w.yaw), { anim: 'walk' });
      this.counters.sent++;
      if (this.o.chatEvery > 0 && now >= w.nextChatAt) {
        w.nextChatAt = this.nextChat();
        this.counters.chatsSent++;
        w.bot.provider.sendChat(LINES[Math.floor(this.random() * LINES.length)]!).catch(() => {});
      }
    }
  }

  private nextChat(): number {
    // Exponential gaps around the mean, so bots do not chat in lock-step.
    return Date.now() + (this.o.chatEvery > 0 ? -Math.log(1 - this.random()) * this.o.chatEvery * 1000 : Infinity);
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
