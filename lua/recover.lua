#!lua flags=allow-oom
-- recover.lua: leases whose deadline (Redis TIME) has passed go back to the HEAD of the queue (at their
-- original arrival time, ahead of every room that came after them), KEEPING their reservation: the next claimer's reserve.lua returns the same agent, the
-- assign call is repeated (Qiscus treats it as already assigned) and the agent is counted once.
-- Safe to run from every instance at once; bounded by ARGV[1] rooms per call.
--
-- Under OOM: runs (allow-oom): refusing strands a dead worker's rooms and slots; it moves them, nets a shrink.
--
-- KEYS[1] queue  zset  room -> arrival time (us, Redis clock; lowest score = head) of route 'default'
-- KEYS[2] state  hash  room -> q | f | a | d
-- KEYS[3] lease  zset  room -> lease deadline (ms)
-- KEYS[4] owner  hash  room -> token of the worker holding the lease
-- KEYS[5] wake   list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
--                      (recovered rooms push 'c': they keep their reservation and need no free slot)
-- KEYS[6] since  hash  room -> arrival time (us) of its session
-- KEYS[7] route  hash  room -> its route, when not 'default': the queue it goes back to
-- KEYS[8] routes set   names of the routes other than 'default' that rooms were queued in
-- KEYS[9], KEYS[10], ...: the queues of the other routes, one per name in ARGV[3], ARGV[4], ... (at most 64)
-- ARGV[1] batch: the most rooms to recover in this call (1 .. 1000)
-- ARGV[2] wake cap: the most tokens kept in the wake list (>= 1)
-- ARGV[3], ARGV[4], ...: the routes other than 'default' (1-32 of a-z 0-9 _ -), one per queue key; a room
--         of a route not given goes back to the default queue
--
-- Returns:
--   1  RECOVERED  {1, room, ...}  these rooms (oldest first) are back at the head of their route's queue
--   0  NONE       {0}  no lease has expired (expired leases of rooms not in flight are only dropped)
--  -1  INVALID    {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/queue.lua"
--- @include "lib/route.lua"
--- @include "lib/time.lua"
--- @include "lib/wake.lua"

local batch, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local invalid = batch_error(batch) or wake_cap_error(cap)
if invalid then return {-1, invalid} end
local queues
queues, invalid = route_index(1, 9, 3)
if invalid then return {-1, invalid} end

local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now_ms(), 'LIMIT', 0, batch)
if #expired == 0 then return {0} end

local back = {}
for i = 1, #expired do
  local room = expired[i]
  redis.call('ZREM', KEYS[3], room)
  redis.call('HDEL', KEYS[4], room)
  -- a lease without an in-flight room is debris: drop it, queue nothing
  if redis.call('HGET', KEYS[2], room) == 'f' then
    local queue = queue_back(queues, 7, 8, room)
    local position = tonumber(redis.call('HGET', KEYS[6], room) or '') or score_ahead_of_head(queue)
    redis.call('ZADD', KEYS[queue], position, room)
    redis.call('HSET', KEYS[2], room, 'q')
    table.insert(back, {position, room})
  end
end
if #back == 0 then return {0} end
table.sort(back, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
local recovered = {1}
for i = 1, #back do recovered[i + 1] = back[i][2] end
push_wake(5, 'c', cap)
return recovered
