/**
 * The Lua scripts behind `RedisStore`: every read-check-write that must not interleave with another
 * node's runs as one script. Key names are built by `redisKeys` (redis.ts); the few scripts that
 * must reach keys they only learn while running (a member's node, a dead node's rooms) rebuild them
 * from the prefix with the Lua helpers below, which mirror `redisKeys` exactly.
 *
 * Values are never re-encoded in Lua (cjson would round numbers to 14 significant digits): scripts
 * decode a JSON value only to read a field and store the original string.
 */
import type { Redis, Result } from 'ioredis';

/** Lua mirrors of `redisKeys.roomKey` / `redisKeys.nodeRooms`, plus the pruning both membership scripts need. */
const KEY_HELPERS = `
local function roomKey(prefix, roomId, suffix)
  return prefix .. '{room:' .. roomId .. '}:' .. suffix
end
local function nodeRoomsKey(prefix, nodeId)
  return prefix .. 'node:{' .. nodeId .. '}:rooms'
end
-- Keep a node's room set small: forget the room once none of the node's members is left in it.
local function forgetRoomIfNodeGone(prefix, membersKey, roomId, nodeId)
  for _, raw in ipairs(redis.call('HVALS', membersKey)) do
    if cjson.decode(raw).nodeId == nodeId then return end
  end
  redis.call('SREM', nodeRoomsKey(prefix, nodeId), roomId)
end
`;

/**
 * KEYS: members, rooms index, rooms set of the member's node.
 * ARGV: userId, member JSON, maxSize, roomId, nodeId, prefix.
 * Returns {'full'} or {'joined'} or {'joined', previous member JSON}.
 */
const ADD_MEMBER = `${KEY_HELPERS}
local previous = redis.call('HGET', KEYS[1], ARGV[1])
if not previous and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return {'full'}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[4])
if not previous then return {'joined'} end
local previousNode = cjson.decode(previous).nodeId
if previousNode ~= ARGV[5] then forgetRoomIfNodeGone(ARGV[6], KEYS[1], ARGV[4], previousNode) end
return {'joined', previous}
`;

/**
 * KEYS: members, transforms, rooms index.
 * ARGV: userId, sessionId, roomId, prefix.
 * Returns 1 if removed, 0 if the user is not there or another session holds the membership.
 */
const REMOVE_MEMBER = `${KEY_HELPERS}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local member = cjson.decode(raw)
if member.sessionId ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[3]) end
forgetRoomIfNodeGone(ARGV[4], KEYS[1], ARGV[3], member.nodeId)
return 1
`;

/** Redis server time in ms: every time several nodes compare comes from this one clock. */
const SERVER_NOW = `
local function serverNow()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * KEYS: nodes zset. ARGV: nodeId.
 * Renews the lease at Redis time. Returns 1 when the lease was there, 0 when it was not (a new node,
 * an emptied Redis, or this node was reaped while it could not renew: it is fenced).
 */
const HEARTBEAT = `${SERVER_NOW}
local existed = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], serverNow(), ARGV[1])
if existed then return 1 end
return 0
`;

/**
 * The owner re-asserts what it holds in one room, compare-and-set, and removes its own records of
 * sessions it no longer holds. KEYS: members, transforms, nodes zset, rooms index, the node's rooms set.
 * ARGV: nodeId, leaseMs, roomId, held member JSON...
 * A held record is written when the user's field is absent, holds the same session, holds another
 * session of this node, or holds a session of a node whose lease is dead; a live other node's
 * session wins (superseded). Returns {added, superseded, removed, every member JSON}.
 */
const RECONCILE_ROOM = `${SERVER_NOW}
local nodeId, cutoff = ARGV[1], serverNow() - tonumber(ARGV[2])
local function alive(node)
  local score = redis.call('ZSCORE', KEYS[3], node)
  return score and tonumber(score) > cutoff
end
local held, added, superseded, removed = {}, {}, {}, {}
for i = 4, #ARGV do
  local rec = cjson.decode(ARGV[i])
  local raw = redis.call('HGET', KEYS[1], rec.userId)
  if not raw then
    redis.call('HSET', KEYS[1], rec.userId, ARGV[i])
    added[#added + 1] = rec.userId
    held[rec.userId] = rec.sessionId
  else
    local cur = cjson.decode(raw)
    if cur.sessionId == rec.sessionId then
      held[rec.userId] = rec.sessionId
    elseif cur.nodeId ~= nodeId and alive(cur.nodeId) then
      superseded[#superseded + 1] = rec.userId
    else
      redis.call('HSET', KEYS[1], rec.userId, ARGV[i])
      if cur.nodeId ~= nodeId then added[#added + 1] = rec.userId end
      held[rec.userId] = rec.sessionId
    end
  end
end
local all = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local cur = cjson.decode(entries[i + 1])
  if cur.nodeId == nodeId and held[entries[i]] ~= cur.sessionId then
    redis.call('HDEL', KEYS[1], entries[i])
    redis.call('HDEL', KEYS[2], entries[i])
    removed[#removed + 1] = entries[i]
  else
    all[#all + 1] = entries[i + 1]
  end
end
if #added > 0 then
  redis.call('SADD', KEYS[4], ARGV[3])
  redis.call('SADD', KEYS[5], ARGV[3])
end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[4], ARGV[3]) end
return {added, superseded, removed, all}
`;

/**
 * KEYS: members, transforms. ARGV: userId, sessionId, previous member JSON or ''.
 * If `sessionId` still holds the membership, put `previous` back (or delete). Returns 1 if done.
 */
const RESTORE_MEMBER = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw or cjson.decode(raw).sessionId ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return 1
`;

/**
 * KEYS: the room's chat list. ARGV: message JSON, userId, clientMsgId or '', keep, ttlMs.
 * Idempotent append: when the history already holds a message of this user with this clientMsgId
 * (a resend after a reconnect), returns that message's JSON and appends nothing; else appends,
 * trims to the newest `keep` and returns nil.
 */
const APPEND_CHAT = `
if ARGV[3] ~= '' then
  for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
    local m = cjson.decode(raw)
    if m.userId == ARGV[2] and m.clientMsgId == ARGV[3] then return raw end
  end
end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[4]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return false
`;

/**
 * KEYS: members, transforms.
 * ARGV: userId, transform JSON, userId, transform JSON, ...
 * Writes only the transforms of users still in the members hash. Returns how many were written.
 */
const SAVE_TRANSFORMS = `
-- One HMGET for every user (not an HEXISTS each): Redis counts the commands a script runs, and
-- this runs on every save of every room.
local users = {}
for i = 1, #ARGV, 2 do users[#users + 1] = ARGV[i] end
local present = {}
for first = 1, #users, 1000 do
  local found = redis.call('HMGET', KEYS[1], unpack(users, first, math.min(first + 999, #users)))
  for j = 1, #found do present[first + j - 1] = found[j] end
end
local fields = {}
for k = 1, #users do
  if present[k] then
    fields[#fields + 1] = ARGV[2 * k - 1]
    fields[#fields + 1] = ARGV[2 * k]
  end
end
-- HSET in chunks: unpack() of a very large table overflows the Lua stack.
for first = 1, #fields, 1000 do
  redis.call('HSET', KEYS[2], unpack(fields, first, math.min(first + 999, #fields)))
end
return #fields / 2
`;

/**
 * Sliding-window log. KEYS: the user's chatrate zset.
 * ARGV: now, limit, windowMs, unique member.
 * Returns 0 when a slot was taken, else the milliseconds until the oldest entry leaves the window.
 */
const TAKE_CHAT_SLOT = `
local now, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`;

/**
 * KEYS: the room's chat list.
 * ARGV: how many to keep, ttlMs, message JSON...
 * Union by id (an incoming copy replaces a stored one), sorted by id byte-wise (as JavaScript
 * compares ASCII ids; Lua's own '<' follows the server's locale), newest kept. Returns the length.
 */
const MERGE_CHAT = `
local byId, ids = {}, {}
local function add(raw)
  local id = cjson.decode(raw).id
  if byId[id] == nil then ids[#ids + 1] = id end
  byId[id] = raw
end
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do add(raw) end
for i = 3, #ARGV do add(ARGV[i]) end
table.sort(ids, function(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = a:byte(i), b:byte(i)
    if x ~= y then return x < y end
  end
  return #a < #b
end)
redis.call('DEL', KEYS[1])
local kept = {}
for i = math.max(1, #ids - tonumber(ARGV[1]) + 1), #ids do kept[#kept + 1] = byId[ids[i]] end
if #kept > 0 then
  redis.call('RPUSH', KEYS[1], unpack(kept))
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return #kept
`;

/**
 * KEYS: nodes zset, rooms index.
 * ARGV: selfNodeId, leaseMs (a lease renewed at or before Redis time minus it is dead), prefix.
 * Returns {roomId, userId, nodeId, roomId, userId, nodeId, ...}. The whole reap is one script, so
 * two nodes reaping at once cannot both see (and announce) the same member.
 */
const REAP_DEAD_NODES = `${KEY_HELPERS}${SERVER_NOW}
local prefix = ARGV[3]
local reaped = {}
for _, nodeId in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', serverNow() - tonumber(ARGV[2]))) do
  if nodeId ~= ARGV[1] then
    local nodeRooms = nodeRoomsKey(prefix, nodeId)
    for _, roomId in ipairs(redis.call('SMEMBERS', nodeRooms)) do
      local members = roomKey(prefix, roomId, 'members')
      local transforms = roomKey(prefix, roomId, 'transforms')
      local entries = redis.call('HGETALL', members)
      for i = 1, #entries, 2 do
        if cjson.decode(entries[i + 1]).nodeId == nodeId then
          redis.call('HDEL', members, entries[i])
          redis.call('HDEL', transforms, entries[i])
          reaped[#reaped + 1] = roomId
          reaped[#reaped + 1] = entries[i]
          reaped[#reaped + 1] = nodeId
        end
      end
      if redis.call('HLEN', members) == 0 then redis.call('SREM', KEYS[2], roomId) end
    end
    redis.call('DEL', nodeRooms)
    redis.call('ZREM', KEYS[1], nodeId)
  end
end
return reaped
`;

/**
 * KEYS: node stats hash. ARGV: now.
 * Forgets the records that expired at `now` and returns the others' JSON.
 */
const LIST_NODE_STATS = `
local live = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local ok, record = pcall(cjson.decode, entries[i + 1])
  if ok and type(record) == 'table' and tonumber(record.expiresAt) and tonumber(record.expiresAt) > tonumber(ARGV[1]) then
    live[#live + 1] = entries[i + 1]
  else
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
return live
`;

const SCRIPTS = {
  rtgwAddMember: { numberOfKeys: 3, lua: ADD_MEMBER },
  rtgwRemoveMember: { numberOfKeys: 3, lua: REMOVE_MEMBER },
  rtgwSaveTransforms: { numberOfKeys: 2, lua: SAVE_TRANSFORMS },
  rtgwHeartbeat: { numberOfKeys: 1, lua: HEARTBEAT },
  rtgwReconcileRoom: { numberOfKeys: 5, lua: RECONCILE_ROOM },
  rtgwRestoreMember: { numberOfKeys: 2, lua: RESTORE_MEMBER },
  rtgwAppendChat: { numberOfKeys: 1, lua: APPEND_CHAT },
  rtgwTakeChatSlot: { numberOfKeys: 1, lua: TAKE_CHAT_SLOT },
  rtgwMergeChat: { numberOfKeys: 1, lua: MERGE_CHAT },
  rtgwReapDeadNodes: { numberOfKeys: 2, lua: REAP_DEAD_NODES },
  rtgwListNodeStats: { numberOfKeys: 1, lua: LIST_NODE_STATS },
} as const;

/** Register the scripts as commands (ioredis sends EVALSHA, falling back to EVAL once per connection). */
export function defineScripts(redis: Redis): void {
  for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
}

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rtgwAddMember(
      members: string, roomsIndex: string, nodeRooms: string,
      userId: string, memberJson: string, maxSize: number, roomId: string, nodeId: string, prefix: string,
    ): Result<[status: 'full' | 'joined', previous?: string], Context>;
    rtgwRemoveMember(
      members: string, transforms: string, roomsIndex: string,
      userId: string, sessionId: string, roomId: string, prefix: string,
    ): Result<0 | 1, Context>;
    rtgwSaveTransforms(members: string, transforms: string, ...userIdThenJson: Arg[]): Result<number, Context>;
    rtgwTakeChatSlot(key: string, now: number, limit: number, windowMs: number, member: string): Result<number, Context>;
    rtgwMergeChat(chat: string, keep: number, ttlMs: number, ...messageJson: string[]): Result<number, Context>;
    rtgwReapDeadNodes(nodes: string, roomsIndex: string, selfNodeId: string, leaseMs: number, prefix: string): Result<string[], Context>;
    rtgwHeartbeat(nodes: string, nodeId: string): Result<0 | 1, Context>;
    rtgwReconcileRoom(
      members: string, transforms: string, nodes: string, roomsIndex: string, nodeRooms: string,
      nodeId: string, leaseMs: number, roomId: string, ...heldJson: string[]
    ): Result<[added: string[], superseded: string[], removed: string[], all: string[]], Context>;
    rtgwRestoreMember(members: string, transforms: string, userId: string, sessionId: string, previousJson: string): Result<0 | 1, Context>;
    rtgwAppendChat(chat: string, messageJson: string, userId: string, clientMsgId: string, keep: number, ttlMs: number): Result<string | null, Context>;
    rtgwListNodeStats(nodeStats: string, now: number): Result<string[], Context>;
  }
}
