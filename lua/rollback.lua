#!lua flags=allow-oom
-- rollback.lua: the worker gives the room up. Its reservation (if any) is undone, freeing the agent's
-- slot, and the room goes back to the HEAD of the queue (requeue: at its original arrival time, so it is
-- ahead of every room that came after it, and rooms given up at once keep their order) or to the
-- dead set with a reason (dead; after the last retry, or an error no retry can fix).
--
-- Under OOM: runs (allow-oom): it frees the slot and lease, refusing keeps them taken; dead adds <= 512 bytes.
--
-- KEYS[1] queue   zset  room -> arrival time (us, Redis clock; lowest score = head): the queue of the
--                       room's route, the one it was claimed from
-- KEYS[2] state   hash  room -> q | f | a | d
-- KEYS[3] lease   zset  room -> lease deadline (ms)
-- KEYS[4] owner   hash  room -> token of the worker holding the lease
-- KEYS[5] agent   hash  room -> agent id reserved or assigned
-- KEYS[6] load    hash  agent id -> rooms this service holds for the agent
-- KEYS[7] dead    zset  room -> time it was given up (ms)
-- KEYS[8] reason  hash  room -> why it was given up
-- KEYS[9] wake    list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- KEYS[10] since  hash  room -> arrival time (us) of its session
-- KEYS[11] routes set   names of the routes other than 'default' that rooms were queued in: a requeue into
--                       another route's queue names it there, so reroute.lua finds it once the route is gone
-- ARGV[1] room id (1-32 digits)
-- ARGV[2] owner token (from claim.lua)
-- ARGV[3] agent id reserved for the room, or '' when reserve.lua reserved none
-- ARGV[4] mode: 'requeue' or 'dead'
-- ARGV[5] reason (dead only; 1-512 bytes)
-- ARGV[6] wake cap: the most tokens kept in the wake list (>= 1)
-- ARGV[7] the route of KEYS[1] (1-32 of a-z 0-9 _ -)
--
-- A freed slot wakes one idle worker; a requeue without a freed slot does not (nothing changed that a
-- worker could use, so waking would only spin).
--
-- Returns:
--   1  REQUEUED        {1}  the room is at the head of the queue
--   2  DEAD            {2}  the room is in the dead set with its reason
--  -2  LEASE_LOST      {-2}  the room is not in flight under this token: nothing changed
--  -3  AGENT_MISMATCH  {-3, agent held or ''}  the room holds another reservation: nothing changed
--  -1  INVALID         {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/load.lua"
--- @include "lib/queue.lua"
--- @include "lib/route.lua"
--- @include "lib/time.lua"
--- @include "lib/wake.lua"

local room, token, agent, mode, reason, cap, route = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7]
local invalid = room_error(room) or token_error(token)
if invalid then return {-1, invalid} end
if type(agent) ~= 'string' or #agent > 20 or not (agent == '' or agent:match('^%d+$')) then
  return {-1, 'agent id must be empty or 1-20 digits'}
end
if mode ~= 'requeue' and mode ~= 'dead' then
  return {-1, 'mode must be requeue or dead'}
end
if mode == 'dead' and (type(reason) ~= 'string' or #reason < 1 or #reason > 512) then
  return {-1, 'reason must be 1-512 bytes'}
end
invalid = wake_cap_error(cap) or route_error(route)
if invalid then return {-1, invalid} end

if redis.call('HGET', KEYS[2], room) ~= 'f' or redis.call('HGET', KEYS[4], room) ~= token then
  return {-2}
end
local held = redis.call('HGET', KEYS[5], room)
if (held or '') ~= agent then return {-3, held or ''} end

redis.call('ZREM', KEYS[3], room)
redis.call('HDEL', KEYS[4], room)
if held then
  redis.call('HDEL', KEYS[5], room)
  decrement_load(6, held)
  push_wake(9, 'c', cap)
end
if mode == 'dead' then
  local at = now_ms()
  redis.call('HSET', KEYS[2], room, 'd')
  redis.call('ZADD', KEYS[7], at, room)
  redis.call('HSET', KEYS[8], room, reason)
  return {2}
end
local position = tonumber(redis.call('HGET', KEYS[10], room) or '')
if not position then
  position = score_ahead_of_head(1)
end
redis.call('ZADD', KEYS[1], position, room)
if route ~= 'default' then redis.call('SADD', KEYS[11], route) end
redis.call('HSET', KEYS[2], room, 'q')
return {1}
