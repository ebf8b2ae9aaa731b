/**
 * Test helpers for the dashboard: a fake admin API (`FakeSource`), builders for its answers, a way
 * to await an ink frame (never a sleep), and SDK bots for end-to-end tests.
 */
import { stripVTControlCharacters } from 'node:util';
import type { render } from 'ink-testing-library';
import type { NodeStats, RoomDetail, RoomStreamEvent, RoomSummary, StatsResponse } from '../../gateway/admin-schema.js';
import { createRealtimeProvider, type RealtimeProvider } from '../../client/index.js';
import { AdminApiError, type DashSource, type StreamHandlers } from '../../cli/dash/source.js';

export const T0 = 1_700_000_000_000;

export function nodeStats(over: Partial<NodeStats> = {}): NodeStats {
  return {
    nodeId: 'node-a',
    at: T0,
    uptimeMs: 90_000,
    connections: 5,
    rooms: 1,
    members: 5,
    messagesInPerSec: { avatar_transform: 90, chat_send: 0.5 },
    messagesOutPerSec: { avatar_transform_broadcast: 100, chat_broadcast: 2.5 },
    drops: {},
    rateLimitHits: 0,
    authFailures: {},
    eventLoopDelayP99Ms: 1.5,
    storeUp: true,
    roomTraffic: { lobby: { transformsPerSec: 90, chatPerSec: 0.5 } },
    ...over,
  };
}

export function statsOf(nodes: NodeStats[], over: Partial<StatsResponse['total']> = {}): StatsResponse {
  const sum = (pick: (n: NodeStats) => number) => nodes.reduce((t, n) => t + pick(n), 0);
  const values = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return {
    node: nodes[0]?.nodeId ?? 'node-a',
    store: { kind: 'memory', ready: true },
    nodes,
    total: {
      nodes: nodes.length,
      connections: sum((n) => n.connections),
      members: sum((n) => n.members),
      messagesInPerSec: sum((n) => values(n.messagesInPerSec)),
      messagesOutPerSec: sum((n) => values(n.messagesOutPerSec)),
      drops: sum((n) => values(n.drops)),
      rateLimitHits: sum((n) => n.rateLimitHits),
      authFailures: sum((n) => values(n.authFailures)),
      eventLoopDelayP99Ms: Math.max(0, ...nodes.map((n) => n.eventLoopDelayP99Ms)),
      ...over,
    },
  };
}

export function roomDetail(roomId: string, names: string[], over: Partial<RoomDetail> = {}): RoomDetail {
  return {
    roomId,
    members: names.map((name, i) => ({
      userId: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      displayName: name,
      device: i % 2 ? 'mobile' : 'desktop',
      joinedAt: T0 + i,
      nodeId: 'node-a',
      transform: { p: [i * 2 - 4, 0, 4 - i * 2], r: [0, 0, 0, 1], seq: 1, ts: T0 },
    })),
    chat: [],
    serverTime: T0,
    ...over,
  };
}

/** The admin API in memory: set its answers, push stream events, take it down and up again. */
export class FakeSource implements DashSource {
  readonly url = 'http://gateway.test:8080';
  stats_: StatsResponse = statsOf([nodeStats()]);
  rooms_: RoomSummary[] = [{ roomId: 'lobby', members: 5, transformsPerSec: 90, chatPerSec: 0.5 }];
  readonly details = new Map<string, RoomDetail>();
  /** When set, every request fails with it and open streams end. */
  private failure: AdminApiError | undefined;
  readonly streams: Array<{ roomId: string; handlers: StreamHandlers; closed: boolean }> = [];
  polls = 0;

  stats(): Promise<StatsResponse> {
    this.polls++;
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(structuredClone(this.stats_));
  }

  rooms() {
    return this.failure ? Promise.reject(this.failure) : Promise.resolve({ rooms: structuredClone(this.rooms_) });
  }

  room(roomId: string): Promise<RoomDetail> {
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(structuredClone(this.details.get(roomId) ?? roomDetail(roomId, [])));
  }

  watch(roomId: string, handlers: StreamHandlers): () => void {
    const stream = { roomId, handlers, closed: false };
    this.streams.push(stream);
    const failure = this.failure;
    queueMicrotask(() => {
      if (stream.closed) return;
      if (failure) {
        stream.closed = true;
        return handlers.end(failure);
      }
      handlers.event({ type: 'snapshot', ...structuredClone(this.details.get(roomId) ?? roomDetail(roomId, [])) });
    });
    return () => void (stream.closed = true);
  }

  /** Send an event on every open stream of `roomId`. */
  emit(roomId: string, event: RoomStreamEvent): void {
    for (const s of this.streams) if (s.roomId === roomId && !s.closed) s.handlers.event(event);
  }

  goDown(detail = 'connect ECONNREFUSED 10.0.0.1:8080'): void {
    this.failure = new AdminApiError('unreachable', detail, `cannot reach ${this.url}: ${detail}`);
    for (const s of this.streams) {
      if (s.closed) continue;
      s.closed = true;
      s.handlers.end(this.failure);
    }
  }

  comeBack(): void {
    this.failure = undefined;
  }

  openStreams(roomId?: string): number {
    return this.streams.filter((s) => !s.closed && (roomId === undefined || s.roomId === roomId)).length;
  }
}

type Rendered = ReturnType<typeof render>;

/** The frame as a user reads it (no colour codes). */
export function text(frame: string | undefined): string {
  return stripVTControlCharacters(frame ?? '');
}

/** Resolve with the first frame (the current one included) for which `holds` is true. */
export function frameWhere(r: Rendered, what: string, holds: (frame: string) => boolean, timeoutMs = 5_000): Promise<string> {
  const current = text(r.lastFrame());
  if (holds(current)) return Promise.resolve(current);
  return new Promise((resolve, reject) => {
    const write = r.stdout.write;
    const restore = () => {
      clearTimeout(timer);
      r.stdout.write = write;
    };
    const timer = setTimeout(() => {
      restore();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last frame:\n${text(r.lastFrame())}`));
    }, timeoutMs);
    r.stdout.write = (frame: string) => {
      write(frame);
      const plain = text(frame);
      if (!holds(plain)) return;
      restore();
      resolve(plain);
    };
  });
}

/** Resolve once `holds()` is true, checking after every turn of the event loop's timers. */
export async function until(what: string, holds: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const KEY = { up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B' } as const;

/** SDK clients that join a room, walk in circles (20 transforms a second) and can chat. */
export async function startBots(url: string, roomId: string, names: string[]): Promise<{ bots: RealtimeProvider[]; stop(): Promise<void> }> {
  const bots: RealtimeProvider[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (const [i, name] of names.entries()) {
    const bot = createRealtimeProvider({ provider: 'ws', url, userId: name, displayName: name, env: {} });
    await bot.joinRoom(roomId);
    bots.push(bot);
    const started = Date.now();
    timers.push(
      setInterval(() => {
        const a = ((Date.now() - started) / 1000) * (0.5 + i * 0.2) + i;
        bot.sendTransform([Math.cos(a) * (2 + i), 0, Math.sin(a) * (2 + i)], [0, 0, 0, 1]);
      }, 50),
    );
  }
  return {
    bots,
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all(bots.map((b) => b.disconnect()));
    },
  };
}
