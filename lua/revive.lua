#!lua
-- revive.lua: puts rooms from the dead set back in the queue (operator action `allocator requeue-dead`,
-- after the cause, e.g. a Qiscus outage or wrong credentials, is fixed). A revived room takes its original
-- place in line (its arrival time), so it is served before every room that came after it.
--
-- Under OOM: refused whole: it takes dead rooms back in as new work that claim could not start; retry later.
--
-- KEYS[1] queue   zset  room -> arrival time (us, Redis clock; lowest score = head) of route 'default'
-- KEYS[2] state   hash  room -> q | f | a | d
-- KEYS[3] dead    zset  room -> time it was given up (ms)
-- KEYS[4] reason  hash  room -> why it was given up
-- KEYS[5] since   hash  room -> arrival time (us) of its session
-- KEYS[6] wake    list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- KEYS[7] route   hash  room -> its route, when not 'default': the queue it goes back to
-- KEYS[8] routes  set   names of the routes other than 'default' that rooms were queued in
-- KEYS[9], KEYS[10], ...: the queues of the other routes, one per name in ARGV[4], ARGV[5], ... (at most 64)
-- ARGV[1] room id (1-32 digits), or '' for the oldest dead rooms
-- ARGV[2] batch: the most rooms to revive in this call (1 .. 1000)
-- ARGV[3] wake cap: the most tokens kept in the wake list (>= 1)
-- ARGV[4], ARGV[5], ...: the routes other than 'default' (1-32 of a-z 0-9 _ -), one per queue key; a room
--         of a route not given goes back to the default queue
--
-- Returns:
--   1  REVIVED  {1, room, ...}  these rooms are queued again, oldest first (none when the batch held only
--                               entries of rooms no longer dead, which were dropped: call again for more)
--   0  NONE     {0}  no dead room (or the room given is not dead): nothing changed
--  -1  INVALID  {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/queue.lua"
--- @include "lib/route.lua"
--- @include "lib/wake.lua"

local room, batch, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if type(room) ~= 'string' or #room > 32 or not (room == '' or room:match('^%d+$')) then
  return {-1, 'room must be empty or 1-32 digits'}
end
local invalid = batch_error(batch) or wake_cap_error(cap)
if invalid then return {-1, invalid} end
local queues
queues, invalid = route_index(1, 9, 4)
if invalid then return {-1, invalid} end

local rooms
if room ~= '' then
  if not redis.call('ZSCORE', KEYS[3], room) then return {0} end
  rooms = {room}
else
  rooms = redis.call('ZRANGE', KEYS[3], 0, batch - 1)
  if #rooms == 0 then return {0} end
end
local revived = {1}
for i = 1, #rooms do
  local r = rooms[i]
  redis.call('ZREM', KEYS[3], r)
  redis.call('HDEL', KEYS[4], r)
  if redis.call('HGET', KEYS[2], r) == 'd' then
    local queue = queue_back(queues, 7, 8, r)
    local position = tonumber(redis.call('HGET', KEYS[5], r) or '') or score_ahead_of_head(queue)
    redis.call('ZADD', KEYS[queue], position, r)
    redis.call('HSET', KEYS[2], r, 'q')
    table.insert(revived, r)
  end
end
if #revived == 1 then
  if room == '' then return {1} end
  return {0}
end
push_wake(6, 'q', cap)
return revived
