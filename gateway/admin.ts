/**
 * The read-only admin surface that `rtgw dash` and operators use, behind the admin token (the
 * caller, http.ts, checks it before any route here runs):
 *
 *   GET /admin/rooms                    rooms with members (any node) and their traffic
 *   GET /admin/rooms/:roomId            one room's members, latest transforms and recent chat
 *   GET /admin/rooms/:roomId/events     that room's events, live (Server-Sent Events)
 *   GET /admin/stats                    every node's connections, message rates, drops, loop delay
 *
 * Starting it also starts this node's stats record (admin-stats.ts), which the other nodes read.
 * Bodies follow admin-schema.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IdSchema } from '../protocol/index.js';
import { roomDetail, roomsSummary } from './admin-rooms.js';
import { clusterStats, liveNodes, NodeStatsSampler } from './admin-stats.js';
import { RoomStreams } from './admin-stream.js';
import { HttpError, sendJson, type AdminRoute } from './http.js';

export type { AdminRoute };
import type { Hub } from './hub.js';

/** Answers the request and returns true, or returns false for a path it does not own. */

export interface Admin {
  readonly route: AdminRoute;
  readonly sampler: NodeStatsSampler;
  /** Stop sampling and end every event stream (shutdown). */
  stop(): void;
}

export function startAdmin(hub: Hub): Admin {
  const sampler = new NodeStatsSampler(hub);
  const streams = new RoomStreams(hub);
  hub.tap = (roomId, event) => {
    sampler.count(roomId, event);
    streams.dispatch(roomId, event);
  };
  sampler.start();

  const route: AdminRoute = async (req, res, url) => {
    const path = url.pathname;
    if (path === '/admin/stats') {
      onlyGet(req, path);
      sendJson(res, 200, await clusterStats(hub, sampler));
      return true;
    }
    if (path === '/admin/rooms') {
      onlyGet(req, path);
      sendJson(res, 200, await roomsSummary(hub, await liveNodes(hub, sampler)));
      return true;
    }
    const match = /^\/admin\/rooms\/([^/]+)(\/events)?$/.exec(path);
    if (!match) return false;
    onlyGet(req, path);
    const roomId = IdSchema.safeParse(decodePathSegment(match[1]!));
    if (!roomId.success) throw new HttpError(400, 'bad_request', 'not a valid room id');
    if (match[2]) await streams.open(roomId.data, req, res);
    else sendJson(res, 200, await roomDetail(hub, roomId.data));
    return true;
  };

  return {
    route,
    sampler,
    stop() {
      sampler.stop();
      streams.closeAll();
      hub.tap = undefined;
    },
  };
}

function onlyGet(req: IncomingMessage, path: string): void {
  if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}`);
}

function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed %-escape: not a valid id either
  }
}
