#!lua
-- enqueue.lua: put a room at the TAIL of the FIFO queue, once per customer session.
--
-- Qiscus fires the allocation webhook for every customer message while a room has no agent, so
-- duplicates are normal; they must be cheap no-ops. Session keys are canonical decimal integers that only
-- grow for a room (see README "Sessions"); a webhook carrying an older key than the one recorded is stale.
--
-- Under OOM: refused whole: it takes in new work; the webhook gets 503 with nothing stored; a later one queues it.
--
-- KEYS[1] queue   zset  room -> arrival time (us, Redis clock; lowest score = head): the queue of the route
--                       ARGV[4] (`queue` for 'default', `queue:<route>` for another)
-- KEYS[2] state   hash  room -> q (queued) | f (in flight) | a (assigned) | d (dead)
-- KEYS[3] session hash  room -> newest session key seen (kept after release as a tombstone)
-- KEYS[4] agent   hash  room -> agent id reserved or assigned for the room
-- KEYS[5] load    hash  agent id -> rooms this service holds for the agent
-- KEYS[6] dead    zset  room -> time it was given up (ms)
-- KEYS[7] reason  hash  room -> why it was given up
-- KEYS[8] wake    list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- KEYS[9] since   hash  room -> arrival time (us, Redis clock) of its session: its place in line when it is
--                       requeued, and the start of the webhook-to-assignment time
-- KEYS[10] assigned zset  room -> agent id (score) of every room in state a: an agent's rooms by ZRANGEBYSCORE
-- KEYS[11] route   hash  room -> its route for the session, when not 'default'
-- KEYS[12] routes  set   names of the routes other than 'default' that rooms were queued in (the housekeeper
--                        moves the rooms of a route that left the routes file to 'default')
-- KEYS[13] tombstones zset  room -> when it was left with only its tombstone (ms): a room queued again leaves
--                        it, so expire.lua never forgets the session of a room in play
-- ARGV[1] room id (1-32 digits)
-- ARGV[2] session key ("0" or 1-19 digits: any positive Int64, no leading zero)
-- ARGV[3] wake cap: the most tokens kept in the wake list (>= 1)
-- ARGV[4] route the webhook matched (1-32 of a-z 0-9 _ -): the room keeps it for the session; a duplicate
--         or a webhook of a room already assigned keeps the route it has
--
-- Returns:
--   1  QUEUED              {1}  new room (or a dead room whose customer wrote again) now at the tail of its
--                               route's queue; a room whose tombstone expire.lua forgot (older than
--                               SESSION_TOMBSTONE_SECONDS) is a new room, whatever its session
--   2  QUEUED_NEW_SESSION  {2}  assigned room, newer session: the old slot was freed (its resolve was missed)
--   3  DUPLICATE           {3}  already queued or in flight: nothing changed but the recorded session
--   4  ALREADY_ASSIGNED    {4}  assigned for this very session: nothing changed
--   5  STALE               {5}  the session is older than the one recorded: nothing changed
--  -1  INVALID             {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/load.lua"
--- @include "lib/route.lua"
--- @include "lib/time.lua"
--- @include "lib/wake.lua"

local room, session, cap, route = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local invalid = room_error(room)
if invalid then return {-1, invalid} end
if type(session) ~= 'string' or #session > 19 or not (session == '0' or session:match('^[1-9]%d*$')) then
  return {-1, 'session must be a decimal integer without leading zeros'}
end
invalid = wake_cap_error(cap) or route_error(route)
if invalid then return {-1, invalid} end

local state = redis.call('HGET', KEYS[2], room)
local known = redis.call('HGET', KEYS[3], room)
-- canonical decimal strings compare by length, then lexically
if known and (#session < #known or (#session == #known and session < known)) then
  return {5}
end
if state == 'q' or state == 'f' then
  if session ~= known then redis.call('HSET', KEYS[3], room, session) end
  return {3}
end

local code = 1
if state == 'a' then
  if session == known then return {4} end
  local agent = redis.call('HGET', KEYS[4], room)
  redis.call('ZREM', KEYS[10], room)
  if agent then
    redis.call('HDEL', KEYS[4], room)
    decrement_load(5, agent)
  end
  code = 2
elseif state == 'd' then
  redis.call('ZREM', KEYS[6], room)
  redis.call('HDEL', KEYS[7], room)
end

local arrival = now_us()
redis.call('ZADD', KEYS[1], arrival, room)
redis.call('HSET', KEYS[2], room, 'q')
redis.call('HSET', KEYS[3], room, session)
redis.call('ZREM', KEYS[13], room)
redis.call('HSET', KEYS[9], room, arrival)
if route == 'default' then
  redis.call('HDEL', KEYS[11], room)
else
  redis.call('HSET', KEYS[11], room, route)
  redis.call('SADD', KEYS[12], route)
end
push_wake(8, 'q', cap)
return {code}
