/**
 * Every Redis key and channel name the store uses, and the hash slot Redis Cluster gives a name.
 *
 * Key layout (P = keyPrefix, e.g. `rtgw:`). The part in braces is the hash tag: Redis Cluster puts
 * every key with the same tag in one slot, so one script may touch them all.
 *
 *   P{room:<roomId>}:members     hash    userId -> JSON MemberRecord
 *   P{room:<roomId>}:transforms  hash    userId -> JSON Transform (latest; only for current members)
 *   P{room:<roomId>}:bynode      hash    nodeId -> how many of the room's members are on that node
 *                                        (so that a removal knows in O(1) whether its node still
 *                                        has members there)
 *   P{room:<roomId>}:chat        list    JSON ChatMessage, oldest first, newest 50 kept;
 *                                        expires 24 h after the last append or merge
 *   P{room:<roomId>}:events      channel JSON RoomEvent (SPUBLISH/SSUBSCRIBE on Redis Cluster: the
 *                                        channel lives on the shard that owns the room's slot)
 *   Prooms                       set     ids of rooms that have (or recently had) members, for listRooms
 *   Pchatrate:{<userId>}         zset    chat sliding-window log: unique entry -> send time (ms);
 *                                        expires one window after the last accepted message
 *   Pblocks:{<userId>}           set     userIds that <userId> blocks
 *   Pblocks                      channel userId whose blocklist changed (classic pub/sub everywhere)
 *   Pnodes                       zset    nodeId -> lease renewal time (ms, on this key's Redis clock)
 *   Pnode:{<nodeId>}:rooms       set     rooms where <nodeId> has (or recently had) members
 *   Pnodestats                   hash    nodeId -> JSON NodeStatsRecord (admin API); a record is listed
 *                                        until its expiresAt; the hash expires 60 s after the last write
 *   Pready:{<storeId>}           channel private to one RedisStore instance: checkReady round trips
 *   Pready:{<storeId>:<n>}       channel Cluster only: one per shard, sharded, for checkReady
 *
 * Global keys (`Prooms`, `Pnodes`, `Pnodestats`) each sit in a slot of their own; no script touches
 * one of them together with a room's or a node's keys.
 */

export function redisKeys(prefix: string) {
  const roomKey = (roomId: string, suffix: string) => `${prefix}{room:${roomId}}:${suffix}`;
  return {
    members: (roomId: string) => roomKey(roomId, 'members'),
    transforms: (roomId: string) => roomKey(roomId, 'transforms'),
    byNode: (roomId: string) => roomKey(roomId, 'bynode'),
    chat: (roomId: string) => roomKey(roomId, 'chat'),
    events: (roomId: string) => roomKey(roomId, 'events'),
    rooms: `${prefix}rooms`,
    chatRate: (userId: string) => `${prefix}chatrate:{${userId}}`,
    blocks: (userId: string) => `${prefix}blocks:{${userId}}`,
    blocksChannel: `${prefix}blocks`,
    nodes: `${prefix}nodes`,
    nodeRooms: (nodeId: string) => `${prefix}node:{${nodeId}}:rooms`,
    nodeStats: `${prefix}nodestats`,
    ready: (storeId: string) => `${prefix}ready:{${storeId}}`,
    shardReady: (storeId: string, n: number) => `${prefix}ready:{${storeId}:${n}}`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** The number of hash slots of a Redis Cluster. */
export const SLOTS = 16_384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/**
 * The slot Redis Cluster assigns `key` (or a channel of that name): CRC16 (XMODEM) of its hash tag
 * (the text between the first `{` and the next `}`, when not empty) or of the whole name, mod 16384.
 */
export function keySlot(key: string): number {
  let hashed = key;
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(hashed, 'utf8')) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc % SLOTS;
}
