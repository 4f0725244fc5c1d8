#!lua flags=allow-oom
-- commit.lua: the assign call succeeded (or Qiscus said the room already has an agent): the reservation
-- becomes the room's assignment and the lease ends.
--
-- On LEASE_LOST the caller must NOT roll back: the room went back to the queue with its reservation, and
-- the next claimer repeats the same idempotent assign call and commits.
--
-- Under OOM: runs (allow-oom): Qiscus has assigned the room, refusing strands it in flight; nets no growth
-- but for the route's minute ring (bounded: at most 60 x 14 small fields per route) and the list of recent
-- assignments (bounded: 50 entries).
--
-- KEYS[1] state  hash  room -> q | f | a | d
-- KEYS[2] lease  zset  room -> lease deadline (ms)
-- KEYS[3] owner  hash  room -> token of the worker holding the lease
-- KEYS[4] agent  hash  room -> agent id reserved or assigned
-- KEYS[5] since  hash  room -> arrival time (us, Redis clock) of its session
-- KEYS[6] assigned zset  room -> agent id (score) of every room in state a: an agent's rooms by ZRANGEBYSCORE
-- KEYS[7] route  hash  room -> its route, when not 'default'
-- KEYS[8] served hash  route -> rooms assigned in it, ever (per-route status and metrics)
-- KEYS[9] stats  hash  the minute ring of the route in ARGV[4] (lib/stats.lua): rooms served and their waits
--                      per minute over the last hour
-- KEYS[10] recent list  the last 50 assignments, newest first: '<room>:<route>:<agent>:<waited ms or -1>:<ms>'
--                       (the dashboard's list; every instance shows the same)
-- ARGV[1] room id (1-32 digits)
-- ARGV[2] owner token (from claim.lua)
-- ARGV[3] agent id the room was assigned to (1-20 digits)
-- ARGV[4] the route whose ring KEYS[9] is (1-32 of a-z 0-9 _ -): the room is counted there when it is the
--         room's route (a room rerouted meanwhile is counted in served only)
--
-- Returns:
--   1  COMMITTED          {1, ms}  the room is assigned to the agent; the lease is gone; ms = time from
--                                  queueing to now (Redis clock), -1 when unknown
--   2  ALREADY_COMMITTED  {2}  the room was assigned to this agent already: nothing changed
--  -2  LEASE_LOST         {-2}  the room is not in flight under this token: nothing changed
--  -3  AGENT_MISMATCH     {-3, agent held or ''}  the room holds another agent (or none): nothing changed
--  -1  INVALID            {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"
--- @include "lib/route.lua"
--- @include "lib/stats.lua"

local room, token, agent, ring = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local invalid = room_error(room) or token_error(token) or agent_error(agent) or route_error(ring)
if invalid then return {-1, invalid} end

local state = redis.call('HGET', KEYS[1], room)
local held = redis.call('HGET', KEYS[4], room)
if state == 'a' then
  if held == agent then return {2} end
  return {-3, held or ''}
end
if state ~= 'f' or redis.call('HGET', KEYS[3], room) ~= token then return {-2} end
if held ~= agent then return {-3, held or ''} end

redis.call('HSET', KEYS[1], room, 'a')
redis.call('ZADD', KEYS[6], agent, room)
redis.call('ZREM', KEYS[2], room)
redis.call('HDEL', KEYS[3], room)
local route = redis.call('HGET', KEYS[7], room) or 'default'
redis.call('HINCRBY', KEYS[8], route, 1)
local now = now_us()
local since = tonumber(redis.call('HGET', KEYS[5], room) or '')
local waited = -1
if since then
  waited = math.floor((now - since) / 1000)
  redis.call('HDEL', KEYS[5], room)
end
if route == ring then record_served(9, math.floor(now / 1000), waited) end
redis.call('LPUSH', KEYS[10], string.format('%s:%s:%s:%d:%d', room, route, agent, waited, math.floor(now / 1000)))
redis.call('LTRIM', KEYS[10], 0, 49)
return {1, waited}
