#!lua
-- nudge.lua: wakes one idle worker to look at the queue head again when rooms wait. Agents coming online in
-- Qiscus send no webhook, so every instance's housekeeper runs this every RECONCILE_SECONDS: a worker that
-- found no capacity waits for a 'c' token, and this is the one that comes without a freed slot.
--
-- Under OOM: refused whole: it only wakes a worker for new work, whose claim would be refused anyway.
--
-- KEYS[1] queue  zset  room -> arrival time (us, Redis clock; lowest score = head)
-- KEYS[2] wake   list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- ARGV[1] wake cap: the most tokens kept in the wake list (>= 1)
--
-- Returns:
--   1  NUDGED  {1, queued}  rooms wait (queued = how many): a 'c' token was pushed
--   0  IDLE    {0}  nothing is queued: nothing changed
--  -1  INVALID {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/wake.lua"

local cap = tonumber(ARGV[1])
local invalid = wake_cap_error(cap)
if invalid then return {-1, invalid} end

local queued = redis.call('ZCARD', KEYS[1])
if queued == 0 then return {0} end
push_wake(2, 'c', cap)
return {1, queued}
