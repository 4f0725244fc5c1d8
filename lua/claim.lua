#!lua
-- claim.lua: pop the HEAD of the queue and lease it to one worker, in one step.
--
-- Pop and bookkeeping are never separate, so a crash can not lose a room: a claimed room is either back in
-- the queue or has a lease that recover.lua returns to the head once the deadline (Redis TIME) passes.
--
-- Under OOM: refused whole: it takes a queued room into work (lease, owner); the room keeps its place in line.
--
-- KEYS[1] queue   zset  room -> arrival time (us, Redis clock; lowest score = head)
-- KEYS[2] state   hash  room -> q | f | a | d
-- KEYS[3] session hash  room -> session key
-- KEYS[4] lease   zset  room -> lease deadline (ms, Redis clock)
-- KEYS[5] owner   hash  room -> token of the worker holding the lease
-- KEYS[6] agent   hash  room -> agent id reserved or assigned
-- KEYS[7] wake    list  wake-up tokens: 'q' a room was queued, 'c' a slot was freed
-- ARGV[1] owner token (1-128 bytes, unique per claim attempt)
-- ARGV[2] lease length in ms (1 .. 86400000)
-- ARGV[3] '1' when the caller was not woken by a token (it goes on after a room): the claimed room's 'q'
--         token is removed from the wake list (at most one, bounded by the wake cap), so it wakes no idle
--         worker for nothing; '0' when a token woke the caller (it was popped already)
--
-- Returns:
--   1  CLAIMED         {1, room, session, reserved agent or '', rooms still queued}  the room is now in
--                      flight, leased to token
--   0  EMPTY           {0}  nothing is queued
--   2  DROPPED_ORPHAN  {2, room}  the head was not in state q (damaged by hand): dropped; call again
--  -1  INVALID         {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"

local token, lease = ARGV[1], tonumber(ARGV[2])
local invalid = token_error(token) or lease_error(lease)
if invalid then return {-1, invalid} end
if ARGV[3] ~= '0' and ARGV[3] ~= '1' then
  return {-1, 'token use must be 0 or 1'}
end

local head = redis.call('ZPOPMIN', KEYS[1])
local room = head[1]
if not room then return {0} end
if redis.call('HGET', KEYS[2], room) ~= 'q' then return {2, room} end

local deadline = now_ms() + lease
redis.call('HSET', KEYS[2], room, 'f')
redis.call('ZADD', KEYS[4], deadline, room)
redis.call('HSET', KEYS[5], room, token)
if ARGV[3] == '1' then redis.call('LREM', KEYS[7], 1, 'q') end
return {1, room, redis.call('HGET', KEYS[3], room) or '0', redis.call('HGET', KEYS[6], room) or '',
        redis.call('ZCARD', KEYS[1])}
