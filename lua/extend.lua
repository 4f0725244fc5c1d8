#!lua flags=allow-oom
-- extend.lua: a worker whose Qiscus calls are slow (retries, backoff) pushes its lease deadline further out,
-- so recover.lua does not hand the room to another worker while this one is still working on it.
--
-- Under OOM: runs (allow-oom): refusing lets a working worker's lease lapse; it only rewrites a lease score.
--
-- KEYS[1] state  hash  room -> q | f | a | d
-- KEYS[2] lease  zset  room -> lease deadline (ms, Redis clock)
-- KEYS[3] owner  hash  room -> token of the worker holding the lease
-- ARGV[1] room id (1-32 digits)
-- ARGV[2] owner token (from claim.lua)
-- ARGV[3] new lease length from now, in ms (1 .. 86400000)
--
-- Returns:
--   1  EXTENDED    {1, deadline}  the lease now ends at deadline (ms, Redis clock)
--  -2  LEASE_LOST  {-2}  the room is not in flight under this token: nothing changed
--  -1  INVALID     {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"

local room, token, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local invalid = room_error(room) or token_error(token) or lease_error(lease)
if invalid then return {-1, invalid} end

if redis.call('HGET', KEYS[1], room) ~= 'f' or redis.call('HGET', KEYS[3], room) ~= token then
  return {-2}
end
local deadline = now_ms() + lease
redis.call('ZADD', KEYS[2], deadline, room)
return {1, deadline}
