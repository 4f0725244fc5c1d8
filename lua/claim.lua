#!lua
-- claim.lua: pop the room waiting LONGEST among the given routes' queues and lease it to one worker, in one
-- step.
--
-- Pop and bookkeeping are never separate, so a crash can not lose a room: a claimed room is either back in
-- its queue or has a lease that recover.lua returns to the head once the deadline (Redis TIME) passes. Each
-- route's queue is first in, first out; across routes the oldest head goes first, so a freed slot of an agent
-- who serves several routes goes to the room that waited longest among them. The caller leaves out the
-- routes it knows to be full (no agent under the limit), so a full route never holds up the others.
--
-- Under OOM: refused whole: it takes a queued room into work (lease, owner); the room keeps its place in line.
--
-- KEYS[1] state   hash  room -> q | f | a | d
-- KEYS[2] session hash  room -> session key
-- KEYS[3] lease   zset  room -> lease deadline (ms, Redis clock)
-- KEYS[4] owner   hash  room -> token of the worker holding the lease
-- KEYS[5] agent   hash  room -> agent id reserved or assigned
-- KEYS[6] wake    list  wake-up tokens: 'q' a room was queued, 'c' a slot was freed
-- KEYS[7] route   hash  room -> its route, when not 'default': the route returned (an entry left in the queue
--                       of a removed route by an instance that no longer knows it says the room's real route)
-- KEYS[8], KEYS[9], ...: the queues to claim from (zset room -> arrival time in us, Redis clock; lowest score
--         = head), one per route named in ARGV[4], ARGV[5], ... (1 to 65 queues)
-- ARGV[1] owner token (1-128 bytes, unique per claim attempt)
-- ARGV[2] lease length in ms (1 .. 86400000)
-- ARGV[3] '1' when the caller was not woken by a token (it goes on after a room): the claimed room's 'q'
--         token is removed from the wake list (at most one, bounded by the wake cap), so it wakes no idle
--         worker for nothing; '0' when a token woke the caller (it was popped already)
-- ARGV[4], ARGV[5], ...: the route of each queue, in the same order (1-32 of a-z 0-9 _ -)
--
-- Returns:
--   1  CLAIMED         {1, room, session, reserved agent or '', rooms still in the queue it came from, its
--                      route, ms waited since arrival}  the room is now in flight, leased to token
--   0  EMPTY           {0}  nothing is queued in the given routes
--   2  DROPPED_ORPHAN  {2, room}  the oldest head was not in state q (damaged by hand, or left in the queue
--                      of a removed route): dropped; call again
--  -1  INVALID         {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/route.lua"
--- @include "lib/time.lua"

local token, lease = ARGV[1], tonumber(ARGV[2])
local invalid = token_error(token) or lease_error(lease)
if invalid then return {-1, invalid} end
if ARGV[3] ~= '0' and ARGV[3] ~= '1' then
  return {-1, 'token use must be 0 or 1'}
end
local queues = #KEYS - 7
if queues < 1 or queues > 65 or #ARGV - 3 ~= queues then
  return {-1, 'claim takes 1..65 queues, each with its route'}
end
for i = 1, queues do
  invalid = route_error(ARGV[3 + i])
  if invalid then return {-1, invalid} end
end

local oldest, oldest_score
for i = 1, queues do
  local head = redis.call('ZRANGE', KEYS[7 + i], 0, 0, 'WITHSCORES')
  if head[1] and (not oldest or tonumber(head[2]) < oldest_score) then
    oldest, oldest_score = i, tonumber(head[2])
  end
end
if not oldest then return {0} end
local room = redis.call('ZPOPMIN', KEYS[7 + oldest])[1]
if redis.call('HGET', KEYS[1], room) ~= 'q' then return {2, room} end

local now = now_us()
redis.call('HSET', KEYS[1], room, 'f')
redis.call('ZADD', KEYS[3], math.floor(now / 1000) + lease, room)
redis.call('HSET', KEYS[4], room, token)
if ARGV[3] == '1' then redis.call('LREM', KEYS[6], 1, 'q') end
return {1, room, redis.call('HGET', KEYS[2], room) or '0', redis.call('HGET', KEYS[5], room) or '',
        redis.call('ZCARD', KEYS[7 + oldest]), redis.call('HGET', KEYS[7], room) or 'default',
        math.max(0, math.floor((now - oldest_score) / 1000))}
