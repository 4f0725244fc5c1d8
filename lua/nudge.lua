#!lua
-- nudge.lua: wakes one idle worker to look at the queue head again when rooms wait. Agents coming online in
-- Qiscus send no webhook, so every instance's housekeeper runs this every RECONCILE_SECONDS: a worker that
-- found no capacity waits for a 'c' token, and this is the one that comes without a freed slot.
--
-- Under OOM: refused whole: it only wakes a worker for new work, whose claim would be refused anyway.
--
-- KEYS[1] wake   list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- KEYS[2] queue  zset  room -> arrival time (us, Redis clock; lowest score = head) of route 'default'
-- KEYS[3], KEYS[4], ...: the queues of the other routes, one per name in ARGV[2], ARGV[3], ... (at most 64)
-- ARGV[1] wake cap: the most tokens kept in the wake list (>= 1)
-- ARGV[2], ARGV[3], ...: the routes other than 'default' (1-32 of a-z 0-9 _ -), one per queue key
--
-- Returns:
--   1  NUDGED  {1, queued}  rooms wait (queued = how many, over every route): a 'c' token was pushed
--   0  IDLE    {0}  nothing is queued: nothing changed
--  -1  INVALID {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/route.lua"
--- @include "lib/wake.lua"

local cap = tonumber(ARGV[1])
local invalid = wake_cap_error(cap)
if invalid then return {-1, invalid} end

local _
_, invalid = route_index(2, 3, 2)
if invalid then return {-1, invalid} end

local queued = 0
for i = 2, #KEYS do queued = queued + redis.call('ZCARD', KEYS[i]) end
if queued == 0 then return {0} end
push_wake(1, 'c', cap)
return {1, queued}
