/**
 * The Lua scripts behind `RedisStore`: every read-check-write that must not interleave with another
 * node's runs as one script. Each script touches only keys it receives in KEYS, and all of them in
 * one hash slot (a room's keys, a user's key, or one global key), so every script runs unchanged on
 * one Redis and on Redis Cluster — except SEND_CHAT, which only one Redis runs (redis.ts splits it
 * on a cluster). What spans slots (a room and the rooms index, a room and a node's
 * room set) is a script plus separate calls, ordered in redis.ts so that a crash between them leaves
 * at most a stale index entry, never a member nobody can find.
 *
 * Values are never re-encoded in Lua (cjson would round numbers to 14 significant digits): scripts
 * decode a JSON value only to read a field and store the original string.
 */
import type { Redis, Cluster, Result } from 'ioredis';

/** The per-node member counts of a room (`bynode`): one member of `nodeId` fewer; returns how many are left. */
const LEAVE = `
local function leave(byNode, nodeId)
  local left = redis.call('HINCRBY', byNode, nodeId, -1)
  if left <= 0 then
    redis.call('HDEL', byNode, nodeId)
    return 0
  end
  return left
end
`;

/**
 * The join itself, shared by ADD_MEMBER and JOIN_ROOM. KEYS[1] members, KEYS[2] bynode; ARGV[1..4]
 * userId, member JSON, maxSize, nodeId. Returns false and the members of nodeId in the room when
 * full; else true, the members of nodeId now, whether the room was empty, and for a user who was
 * there already the previous member JSON, its nodeId and the members of that node left.
 * O(1): no member but the joining one is decoded.
 */
const ADD = `${LEAVE}
local function add()
  local previous = redis.call('HGET', KEYS[1], ARGV[1])
  local size = redis.call('HLEN', KEYS[1])
  if not previous and size >= tonumber(ARGV[3]) then
    return false, tonumber(redis.call('HGET', KEYS[2], ARGV[4]) or '0')
  end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  local mine = redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
  if not previous then return true, mine, size == 0 end
  local previousNode = cjson.decode(previous).nodeId
  local left = leave(KEYS[2], previousNode)
  if previousNode == ARGV[4] then mine = left end
  return true, mine, false, previous, previousNode, left
end
`;

/**
 * KEYS: members, bynode. ARGV: userId, member JSON, maxSize, nodeId.
 * Returns {'full', members of nodeId in the room} or
 * {'joined', members of nodeId now, 1 if the room was empty} or
 * {'joined', members of nodeId now, 0, previous member JSON, previous nodeId, members of that node left}.
 */
const ADD_MEMBER = `${ADD}
local joined, mine, wasEmpty, previous, previousNode, left = add()
if not joined then return {'full', mine} end
if previous then return {'joined', mine, 0, previous, previousNode, left} end
if wasEmpty then return {'joined', mine, 1} end
return {'joined', mine, 0}
`;

/**
 * A join in one round trip: ADD_MEMBER, then the room's snapshot as the joiner must see it.
 * KEYS: members, bynode, transforms, chat. ARGV: userId, member JSON, maxSize, nodeId, chat history length.
 * Returns {'full', members of nodeId in the room} or
 * {'joined', members of nodeId now, 1 if the room was empty, previous member JSON or '', previous
 * nodeId or '', members of that node left or -1, members (field, value, ...), transforms (field,
 * value, ...), chat (oldest first)}.
 */
const JOIN_ROOM = `${ADD}
local joined, mine, wasEmpty, previous, previousNode, left = add()
if not joined then return {'full', mine} end
return {'joined', mine, wasEmpty and 1 or 0, previous or '', previousNode or '', left or -1,
  redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[3]), redis.call('LRANGE', KEYS[4], -tonumber(ARGV[5]), -1)}
`;

/**
 * KEYS: members, transforms, bynode. ARGV: userId, sessionId.
 * Returns {0} if the user is not there or another session holds the membership, else
 * {1, the member's nodeId, members of that node left in the room, members left in the room}.
 * O(1): only the removed member is decoded.
 */
const REMOVE_MEMBER = `${LEAVE}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {0} end
local member = cjson.decode(raw)
if member.sessionId ~= ARGV[2] then return {0} end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return {1, member.nodeId, leave(KEYS[3], member.nodeId), redis.call('HLEN', KEYS[1])}
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
 * KEYS: nodes zset. ARGV: leaseMs.
 * The nodes whose lease is live on this key's clock (renewed after Redis time minus leaseMs), for
 * the reconciliation of rooms that live in other slots.
 */
const LIVE_NODES = `${SERVER_NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (serverNow() - tonumber(ARGV[1])), '+inf')
`;

/**
 * The owner re-asserts what it holds in one room, compare-and-set, and removes its own records of
 * sessions it no longer holds. KEYS: members, transforms, bynode.
 * ARGV: nodeId, n, n live nodeIds (LIVE_NODES, read just before), held member JSON...
 * A held record is written when the user's field is absent, holds the same session, holds another
 * session of this node, or holds a session of a node that is not live; a live other node's session
 * wins (superseded). The per-node counts are brought in line with the members (they converge even
 * if an older gateway left them out). Returns {added, superseded, removed, every member JSON,
 * members of nodeId now}.
 */
const RECONCILE_ROOM = `
local nodeId, liveCount = ARGV[1], tonumber(ARGV[2])
local live = {}
for i = 3, 2 + liveCount do live[ARGV[i]] = true end
local held, added, superseded, removed = {}, {}, {}, {}
for i = 3 + liveCount, #ARGV do
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
    elseif cur.nodeId ~= nodeId and live[cur.nodeId] then
      superseded[#superseded + 1] = rec.userId
    else
      redis.call('HSET', KEYS[1], rec.userId, ARGV[i])
      if cur.nodeId ~= nodeId then added[#added + 1] = rec.userId end
      held[rec.userId] = rec.sessionId
    end
  end
end
local all, counts = {}, {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local cur = cjson.decode(entries[i + 1])
  if cur.nodeId == nodeId and held[entries[i]] ~= cur.sessionId then
    redis.call('HDEL', KEYS[1], entries[i])
    redis.call('HDEL', KEYS[2], entries[i])
    removed[#removed + 1] = entries[i]
  else
    all[#all + 1] = entries[i + 1]
    counts[cur.nodeId] = (counts[cur.nodeId] or 0) + 1
  end
end
local mine = counts[nodeId] or 0
local stored = redis.call('HGETALL', KEYS[3])
for i = 1, #stored, 2 do
  local n = counts[stored[i]]
  if not n then
    redis.call('HDEL', KEYS[3], stored[i])
  elseif tonumber(stored[i + 1]) ~= n then
    redis.call('HSET', KEYS[3], stored[i], n)
  end
  counts[stored[i]] = nil
end
for node, n in pairs(counts) do redis.call('HSET', KEYS[3], node, n) end
return {added, superseded, removed, all, mine}
`;

/**
 * KEYS: members, transforms, bynode. ARGV: userId, sessionId, previous member JSON or ''.
 * If `sessionId` still holds the membership, put `previous` back (or delete). Returns {0} if not,
 * else {1, the replaced record's nodeId, members of that node left, members left in the room}.
 */
const RESTORE_MEMBER = `${LEAVE}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {0} end
local current = cjson.decode(raw)
if current.sessionId ~= ARGV[2] then return {0} end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('HINCRBY', KEYS[3], cjson.decode(ARGV[3]).nodeId, 1)
end
return {1, current.nodeId, leave(KEYS[3], current.nodeId), redis.call('HLEN', KEYS[1])}
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
 * A chat in one round trip: a resend (same userId and clientMsgId in the history) is answered with
 * the original and takes no slot; otherwise TAKE_CHAT_SLOT, then APPEND_CHAT. The one script that
 * spans two slots (the user's counter, the room's history): one Redis only. On a cluster the two
 * halves run as the scripts above (redis.ts).
 * KEYS: the user's chat counter, the room's chat list.
 * ARGV: message JSON, userId, clientMsgId or '', how many to keep, ttlMs, now, limit, windowMs, counter entry.
 * Returns {'duplicate', original JSON}, {'rate_limited', retryAfterMs} or {'accepted'}.
 */
const SEND_CHAT = `
if ARGV[3] ~= '' then
  for _, raw in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    local m = cjson.decode(raw)
    if m.userId == ARGV[2] and m.clientMsgId == ARGV[3] then return {'duplicate', raw} end
  end
end
local now, limit, window = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {'rate_limited', math.max(1, tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[9])
redis.call('PEXPIRE', KEYS[1], window)
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {'accepted'}
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
 * KEYS: nodes zset. ARGV: selfNodeId, leaseMs.
 * The nodes (but selfNodeId) whose lease was last renewed at or before Redis time minus leaseMs.
 */
const DEAD_NODES = `${SERVER_NOW}
local dead = {}
for _, nodeId in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', serverNow() - tonumber(ARGV[2]))) do
  if nodeId ~= ARGV[1] then dead[#dead + 1] = nodeId end
end
return dead
`;

/**
 * KEYS: members, transforms, bynode. ARGV: a dead nodeId.
 * Removes that node's members from the room. Returns {removed userIds, members left}. Each member
 * is removed (and returned) once, however many nodes reap at once. When the room's counts say the
 * node has nobody here, nothing is decoded.
 */
const REAP_ROOM = `
local reaped = {}
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  return {reaped, redis.call('HLEN', KEYS[1])}
end
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if cjson.decode(entries[i + 1]).nodeId == ARGV[1] then
    redis.call('HDEL', KEYS[1], entries[i])
    redis.call('HDEL', KEYS[2], entries[i])
    reaped[#reaped + 1] = entries[i]
  end
end
redis.call('HDEL', KEYS[3], ARGV[1])
return {reaped, redis.call('HLEN', KEYS[1])}
`;

/**
 * KEYS: nodes zset. ARGV: nodeId, leaseMs.
 * Forget a reaped node's lease, unless it renewed it meanwhile. Returns 1 if forgotten.
 */
const FORGET_NODE = `${SERVER_NOW}
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > serverNow() - tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
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
  rtgwAddMember: { numberOfKeys: 2, lua: ADD_MEMBER },
  rtgwJoinRoom: { numberOfKeys: 4, lua: JOIN_ROOM },
  rtgwSendChat: { numberOfKeys: 2, lua: SEND_CHAT },
  rtgwRemoveMember: { numberOfKeys: 3, lua: REMOVE_MEMBER },
  rtgwSaveTransforms: { numberOfKeys: 2, lua: SAVE_TRANSFORMS },
  rtgwHeartbeat: { numberOfKeys: 1, lua: HEARTBEAT },
  rtgwLiveNodes: { numberOfKeys: 1, lua: LIVE_NODES },
  rtgwReconcileRoom: { numberOfKeys: 3, lua: RECONCILE_ROOM },
  rtgwRestoreMember: { numberOfKeys: 3, lua: RESTORE_MEMBER },
  rtgwAppendChat: { numberOfKeys: 1, lua: APPEND_CHAT },
  rtgwTakeChatSlot: { numberOfKeys: 1, lua: TAKE_CHAT_SLOT },
  rtgwMergeChat: { numberOfKeys: 1, lua: MERGE_CHAT },
  rtgwDeadNodes: { numberOfKeys: 1, lua: DEAD_NODES },
  rtgwReapRoom: { numberOfKeys: 3, lua: REAP_ROOM },
  rtgwForgetNode: { numberOfKeys: 1, lua: FORGET_NODE },
  rtgwListNodeStats: { numberOfKeys: 1, lua: LIST_NODE_STATS },
} as const;

/** Register the scripts as commands (ioredis sends EVALSHA, falling back to EVAL once per connection). */
export function defineScripts(redis: Redis | Cluster): void {
  for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
}

type Arg = string | number;

/** The node counts scripts report, as numbers (Lua integers arrive as numbers). */
type Removal = [removed: 0] | [removed: 1, nodeId: string, nodeLeft: number, roomLeft: number];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rtgwAddMember(
      members: string, byNode: string, userId: string, memberJson: string, maxSize: number, nodeId: string,
    ): Result<
      | [status: 'full', mine: number]
      | [status: 'joined', mine: number, roomWasEmpty: 0 | 1]
      | [status: 'joined', mine: number, roomWasEmpty: 0, previous: string, previousNode: string, previousNodeLeft: number],
      Context
    >;
    rtgwJoinRoom(
      members: string, byNode: string, transforms: string, chat: string, userId: string, memberJson: string, maxSize: number, nodeId: string, history: number,
    ): Result<
      | [status: 'full', mine: number]
      | [status: 'joined', mine: number, roomWasEmpty: 0 | 1, previous: string, previousNode: string, previousNodeLeft: number, members: string[], transforms: string[], chat: string[]],
      Context
    >;
    rtgwSendChat(
      counter: string, chat: string, messageJson: string, userId: string, clientMsgId: string, keep: number, ttlMs: number, now: number, limit: number, windowMs: number, entry: string,
    ): Result<[status: 'duplicate', original: string] | [status: 'rate_limited', retryAfterMs: number] | [status: 'accepted'], Context>;
    rtgwRemoveMember(members: string, transforms: string, byNode: string, userId: string, sessionId: string): Result<Removal, Context>;
    rtgwSaveTransforms(members: string, transforms: string, ...userIdThenJson: Arg[]): Result<number, Context>;
    rtgwTakeChatSlot(key: string, now: number, limit: number, windowMs: number, member: string): Result<number, Context>;
    rtgwMergeChat(chat: string, keep: number, ttlMs: number, ...messageJson: string[]): Result<number, Context>;
    rtgwHeartbeat(nodes: string, nodeId: string): Result<0 | 1, Context>;
    rtgwLiveNodes(nodes: string, leaseMs: number): Result<string[], Context>;
    rtgwReconcileRoom(
      members: string, transforms: string, byNode: string, nodeId: string, liveCount: number, ...liveThenHeldJson: string[]
    ): Result<[added: string[], superseded: string[], removed: string[], all: string[], mine: number], Context>;
    rtgwRestoreMember(members: string, transforms: string, byNode: string, userId: string, sessionId: string, previousJson: string): Result<Removal, Context>;
    rtgwAppendChat(chat: string, messageJson: string, userId: string, clientMsgId: string, keep: number, ttlMs: number): Result<string | null, Context>;
    rtgwDeadNodes(nodes: string, selfNodeId: string, leaseMs: number): Result<string[], Context>;
    rtgwReapRoom(members: string, transforms: string, byNode: string, nodeId: string): Result<[reaped: string[], roomLeft: number], Context>;
    rtgwForgetNode(nodes: string, nodeId: string, leaseMs: number): Result<0 | 1, Context>;
    rtgwListNodeStats(nodeStats: string, now: number): Result<string[], Context>;
  }
}
