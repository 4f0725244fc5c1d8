#!lua flags=allow-oom
-- release.lua: the room was resolved. Frees the slot of the agent THIS service reserved or assigned for
-- the room (never the agent Qiscus names as resolver: that may be an admin) and forgets the room, whatever
-- state it was in. Idempotent: a second release, or one for a room never seen, changes nothing.
--
-- The session key is kept as a tombstone (raised to ARGV[2] when given), so a late allocation webhook of
-- the resolved session is recognised as stale by enqueue.lua instead of queueing the room again. The time it
-- was left so goes into KEYS[15], and expire.lua forgets the tombstone once it is SESSION_TOMBSTONE_SECONDS
-- old (a resolve of a room never seen that records its session leaves a tombstone too, and so an entry).
--
-- Under OOM: runs (allow-oom): it frees a resolved room and its slot; adds at most a tombstone and two times.
--
-- KEYS[1]  queue   zset  room -> arrival time (us, Redis clock; lowest score = head) of route 'default'
-- KEYS[2]  state   hash  room -> q | f | a | d
-- KEYS[3]  session hash  room -> newest session key seen
-- KEYS[4]  lease   zset  room -> lease deadline (ms)
-- KEYS[5]  owner   hash  room -> token of the worker holding the lease
-- KEYS[6]  agent   hash  room -> agent id reserved or assigned
-- KEYS[7]  load    hash  agent id -> rooms this service holds for the agent
-- KEYS[8]  dead    zset  room -> time it was given up (ms)
-- KEYS[9]  reason  hash  room -> why it was given up
-- KEYS[10] wake    list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- KEYS[11] since   hash  room -> arrival time (us) of its session
-- KEYS[12] assigned zset  room -> agent id (score) of every room in state a: an agent's rooms by ZRANGEBYSCORE
-- KEYS[13] freed   hash  agent id -> when we released its last rooms: up to 16 ms times, comma separated
--                        (reserve.lua subtracts recent ones from Qiscus's lagging count)
-- KEYS[14] route   hash  room -> its route, when not 'default'
-- KEYS[15] tombstones zset  room -> when it was left with only its tombstone (ms, Redis clock; expire.lua)
-- KEYS[16], KEYS[17], ...: the queues of the other routes, one per name in ARGV[4], ARGV[5], ... (at most 64)
-- ARGV[1] room id (1-32 digits)
-- ARGV[2] session floor: '' or a session key; the tombstone becomes max(recorded, floor)
-- ARGV[3] wake cap: the most tokens kept in the wake list (>= 1)
-- ARGV[4], ARGV[5], ...: the routes other than 'default' (1-32 of a-z 0-9 _ -), one per queue key
--
-- Returns:
--   1  RELEASED            {1, agent}  the room was assigned; the agent's slot is free
--   2  DEQUEUED            {2}  the room was waiting in the queue; it is gone (a reservation it kept is freed)
--   3  DEQUEUED_IN_FLIGHT  {3, agent or ''}  a worker held the room; its lease is void, the slot is free
--   4  DEAD_REMOVED        {4}  the room was in the dead set; it is gone
--   5  STALE_SESSION       {5}  the floor is not newer than the room's session key: this resolve is of the
--                              session BEFORE the one we hold (a late webhook): nothing changed
--   0  UNKNOWN             {0}  nothing recorded for the room (only the tombstone may be raised, or recorded
--                              for a room never seen: then its time in KEYS[15] becomes now)
--  -1  INVALID             {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/load.lua"
--- @include "lib/route.lua"
--- @include "lib/time.lua"
--- @include "lib/wake.lua"

local room, floor, cap = ARGV[1], ARGV[2], tonumber(ARGV[3])
local invalid = room_error(room)
if invalid then return {-1, invalid} end
if type(floor) ~= 'string' or #floor > 19 or not (floor == '' or floor == '0' or floor:match('^[1-9]%d*$')) then
  return {-1, 'session floor must be empty or a decimal integer without leading zeros'}
end
invalid = wake_cap_error(cap)
if invalid then return {-1, invalid} end
local queues
queues, invalid = route_index(1, 16, 4)
if invalid then return {-1, invalid} end

-- A session's key is the id of the service BEFORE it, so the resolve of the session we hold always carries
-- a newer id than its key; an id that is not newer resolved an earlier session.
local state = redis.call('HGET', KEYS[2], room)
if floor ~= '' then
  local known = redis.call('HGET', KEYS[3], room)
  local newer = not known or #floor > #known or (#floor == #known and floor > known)
  if state and not newer then return {5} end
  if newer then
    redis.call('HSET', KEYS[3], room, floor)
    if not state then redis.call('ZADD', KEYS[15], now_ms(), room) end
  end
end

if not state then return {0} end
local held = redis.call('HGET', KEYS[6], room)
redis.call('HDEL', KEYS[2], room)
redis.call('ZREM', KEYS[queue_of(queues, 14, room)], room)
redis.call('HDEL', KEYS[14], room)
redis.call('ZREM', KEYS[4], room)
redis.call('HDEL', KEYS[5], room)
redis.call('ZREM', KEYS[8], room)
redis.call('HDEL', KEYS[9], room)
redis.call('HDEL', KEYS[11], room)
redis.call('ZREM', KEYS[12], room)
-- only the tombstone is left: expire.lua forgets it once it is old
redis.call('ZADD', KEYS[15], now_ms(), room)
if held then
  redis.call('HDEL', KEYS[6], room)
  decrement_load(7, held)
  push_wake(10, 'c', cap)
  if state == 'a' then
    -- the agent really had the room in Qiscus: remember when it left, newest first, 16 at most
    local at = tostring(now_ms())
    local times = {at}
    for previous in string.gmatch(redis.call('HGET', KEYS[13], held) or '', '%d+') do
      if #times < 16 then times[#times + 1] = previous end
    end
    redis.call('HSET', KEYS[13], held, table.concat(times, ','))
  end
end
if state == 'a' then return {1, held or ''} end
if state == 'q' then return {2} end
if state == 'f' then return {3, held or ''} end
return {4}
