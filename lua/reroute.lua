#!lua flags=allow-oom
-- reroute.lua: the rooms queued in a route that is no longer in the routes file go to the default queue, at
-- their place in line (their arrival time), so no room waits in a queue that no instance claims from. The
-- housekeeper runs it for every name in the routes set (KEYS[4]) that its routes file does not have; once
-- the route's queue is empty the name leaves the set. Bounded by ARGV[2] rooms per call.
--
-- Under OOM: runs (allow-oom): it moves rooms between queues and deletes route fields: memory only shrinks.
--
-- KEYS[1] queue   zset  room -> arrival time (us, Redis clock; lowest score = head) of route 'default'
-- KEYS[2] state   hash  room -> q | f | a | d
-- KEYS[3] route   hash  room -> its route, when not 'default'
-- KEYS[4] routes  set   names of the routes other than 'default' that rooms were queued in
-- KEYS[5] queue   zset  the queue of the route ARGV[1]
-- KEYS[6] wake    list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- ARGV[1] the removed route (1-32 of a-z 0-9 _ -, not 'default')
-- ARGV[2] batch: the most rooms to move in this call (1 .. 1000)
-- ARGV[3] wake cap: the most tokens kept in the wake list (>= 1)
--
-- Returns:
--   1  MOVED    {1, moved, left}  moved rooms are in the default queue (entries of rooms not queued in this
--                                 route are dropped); left = entries still in the route's queue
--   0  EMPTY    {0}  the route's queue is empty: its name left the routes set
--  -1  INVALID  {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/route.lua"
--- @include "lib/wake.lua"

local route, batch, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local invalid = route_error(route) or batch_error(batch) or wake_cap_error(cap)
if invalid then return {-1, invalid} end
if route == 'default' then return {-1, 'the default route can not be removed'} end

local entries = redis.call('ZRANGE', KEYS[5], 0, batch - 1, 'WITHSCORES')
if #entries == 0 then
  redis.call('SREM', KEYS[4], route)
  return {0}
end
local moved = 0
for i = 1, #entries, 2 do
  local room = entries[i]
  redis.call('ZREM', KEYS[5], room)
  -- a room queued now but in another route (its entry here outlived a release, then a new session was queued
  -- elsewhere) is not this route's: only the entry goes
  if redis.call('HGET', KEYS[2], room) == 'q' and redis.call('HGET', KEYS[3], room) == route then
    redis.call('ZADD', KEYS[1], entries[i + 1], room)
    redis.call('HDEL', KEYS[3], room)
    moved = moved + 1
  end
end
if moved > 0 then push_wake(6, 'q', cap) end
return {1, moved, redis.call('ZCARD', KEYS[5])}
