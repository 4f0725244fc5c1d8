#!lua flags=allow-oom
-- commit.lua: the assign call succeeded (or Qiscus said the room already has an agent): the reservation
-- becomes the room's assignment and the lease ends.
--
-- On LEASE_LOST the caller must NOT roll back: the room went back to the queue with its reservation, and
-- the next claimer repeats the same idempotent assign call and commits.
--
-- Under OOM: runs (allow-oom): Qiscus has assigned the room, refusing strands it in flight; nets no growth.
--
-- KEYS[1] state  hash  room -> q | f | a | d
-- KEYS[2] lease  zset  room -> lease deadline (ms)
-- KEYS[3] owner  hash  room -> token of the worker holding the lease
-- KEYS[4] agent  hash  room -> agent id reserved or assigned
-- KEYS[5] since  hash  room -> arrival time (us, Redis clock) of its session
-- KEYS[6] assigned zset  room -> agent id (score) of every room in state a: an agent's rooms by ZRANGEBYSCORE
-- KEYS[7] route  hash  room -> its route, when not 'default'
-- KEYS[8] served hash  route -> rooms assigned in it, ever (per-route status and metrics)
-- ARGV[1] room id (1-32 digits)
-- ARGV[2] owner token (from claim.lua)
-- ARGV[3] agent id the room was assigned to (1-20 digits)
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

local room, token, agent = ARGV[1], ARGV[2], ARGV[3]
local invalid = room_error(room) or token_error(token) or agent_error(agent)
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
redis.call('HINCRBY', KEYS[8], redis.call('HGET', KEYS[7], room) or 'default', 1)
local since = tonumber(redis.call('HGET', KEYS[5], room) or '')
local waited = -1
if since then
  waited = math.floor((now_us() - since) / 1000)
  redis.call('HDEL', KEYS[5], room)
end
return {1, waited}
