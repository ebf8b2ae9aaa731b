/** What the admin API says about rooms: the list with traffic, and one room's members, transforms and chat. */
import type { NodeStats, RoomDetail, RoomsResponse } from './admin-schema.js';
import type { Hub } from './hub.js';
import { memberOf } from './member.js';

/** `GET /admin/rooms`: rooms with members on any node, traffic summed over the nodes' records. */
export async function roomsSummary(hub: Hub, nodes: NodeStats[]): Promise<RoomsResponse> {
  const rooms = await hub.store.listRooms();
  return {
    rooms: rooms
      .map(({ roomId, members }) => {
        let transformsPerSec = 0;
        let chatPerSec = 0;
        for (const node of nodes) {
          const traffic = node.roomTraffic[roomId];
          transformsPerSec += traffic?.transformsPerSec ?? 0;
          chatPerSec += traffic?.chatPerSec ?? 0;
        }
        return { roomId, members, transformsPerSec: round(transformsPerSec), chatPerSec: round(chatPerSec) };
      })
      .sort((x, y) => (x.roomId < y.roomId ? -1 : 1)),
  };
}

/** `GET /admin/rooms/:roomId` and the stream's `snapshot`: members with their node and latest transform, recent chat. */
export async function roomDetail(hub: Hub, roomId: string): Promise<RoomDetail> {
  const snapshot = await hub.store.getRoom(roomId);
  const local = hub.rooms.get(roomId);
  return {
    roomId,
    members: snapshot.members
      .map((record) => {
        // This node's view is fresher than the store's (transforms are saved every few flushes).
        const transform = local?.transformOf(record.userId) ?? snapshot.transforms[record.userId];
        return { ...memberOf(record), nodeId: record.nodeId, ...(transform ? { transform } : {}) };
      })
      .sort((x, y) => x.joinedAt - y.joinedAt || (x.userId < y.userId ? -1 : 1)),
    chat: snapshot.chat,
    serverTime: Date.now(),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
