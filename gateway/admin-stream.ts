/**
 * `GET /admin/rooms/:roomId/events`: one room's events as Server-Sent Events, for observers (the
 * dashboard) that must not be members. While anyone watches a room, this node stays subscribed to
 * the room's store channel (`hub.watch`) and tells the other nodes to publish the room's transforms,
 * so events of members on other nodes arrive as well; the observer is never added to the room, so
 * nobody is told about it.
 *
 * The stream starts with a `snapshot` (members, transforms, chat); events published while the
 * snapshot is read are held and sent right after it (a transform or chat message may then appear
 * twice; observers key them by user and message id).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RoomStreamEvent } from './admin-schema.js';
import { roomDetail } from './admin-rooms.js';
import type { Hub } from './hub.js';
import type { RoomEvent } from './store/types.js';

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Tells EventSource-style clients how soon to reconnect. */
const RETRY_MS = 2_000;
/** An observer with this much unsent skips transform events (later ones supersede them). */
const SLOW_OBSERVER_BYTES = 1024 * 1024;
/**
 * Nodes publish a room's transforms only while another node needs them (hub.ts). While a room is
 * observed here, this node says so every OBSERVED_EVERY_MS, and each announcement holds for
 * OBSERVED_FOR_MS; a node that gets its first member in the room hears it within OBSERVED_EVERY_MS.
 */
export const OBSERVED_EVERY_MS = 2_000;
export const OBSERVED_FOR_MS = 5_000;

interface Observer {
  res: ServerResponse;
  /** Frames that arrived before the snapshot was written; undefined once it was. */
  held: string[] | undefined;
}

export class RoomStreams {
  private readonly observers = new Map<string, Set<Observer>>();
  private readonly announcements = new Map<string, NodeJS.Timeout>();

  constructor(private readonly hub: Hub) {}

  async open(roomId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const unwatch = await this.hub.watch(roomId);
    if (req.socket.destroyed) return unwatch(); // the observer left while the node subscribed
    const observer: Observer = { res, held: [] };
    let watchers = this.observers.get(roomId);
    if (!watchers) {
      this.observers.set(roomId, (watchers = new Set()));
      this.announce(roomId);
      this.announcements.set(roomId, setInterval(() => this.announce(roomId), OBSERVED_EVERY_MS));
    }
    watchers.add(observer);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    res.on('close', () => {
      clearInterval(keepalive);
      watchers.delete(observer);
      if (watchers.size === 0 && this.observers.get(roomId) === watchers) {
        this.observers.delete(roomId);
        clearInterval(this.announcements.get(roomId));
        this.announcements.delete(roomId);
      }
      unwatch();
    });
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    try {
      const snapshot = await roomDetail(this.hub, roomId);
      if (res.destroyed) return;
      res.write(frame({ type: 'snapshot', ...snapshot }));
    } catch (err) {
      this.hub.log.warn({ err, room: roomId }, 'admin stream: could not read the room; the observer will reconnect');
      return void res.end();
    }
    for (const held of observer.held ?? []) res.write(held);
    observer.held = undefined;
  }

  /** Called for every event on the node's room channels (`hub.tap`). */
  dispatch(roomId: string, event: RoomEvent): void {
    const watchers = this.observers.get(roomId);
    if (!watchers) return;
    const streamEvent = toStreamEvent(event);
    if (!streamEvent) return;
    const text = frame(streamEvent); // serialised once for every observer
    for (const { res, held } of watchers) {
      if (held) held.push(text);
      else if (streamEvent.type !== 'transforms' || res.writableLength < SLOW_OBSERVER_BYTES) res.write(text);
    }
  }

  /** End every stream (shutdown). */
  closeAll(): void {
    for (const timer of this.announcements.values()) clearInterval(timer);
    this.announcements.clear();
    for (const watchers of this.observers.values()) for (const { res } of watchers) res.end();
  }

  /** Tell the nodes with members in the room to publish its transforms (see OBSERVED_EVERY_MS). */
  private announce(roomId: string): void {
    this.hub.store.publish(roomId, { kind: 'observed', origin: this.hub.nodeId, forMs: OBSERVED_FOR_MS });
  }
}

function toStreamEvent(event: RoomEvent): RoomStreamEvent | undefined {
  switch (event.kind) {
    case 'member_joined':
      return { type: 'member_joined', member: { ...event.member, nodeId: event.origin } };
    case 'member_left':
      return { type: 'member_left', userId: event.userId, reason: event.reason };
    case 'transforms':
      return { type: 'transforms', transforms: event.transforms };
    case 'chat':
      return { type: 'chat', message: event.message };
    case 'session_replaced': // invisible to members too
    case 'observed':
      return undefined;
  }
}

function frame(event: RoomStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
