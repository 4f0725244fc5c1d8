#!lua
-- override.lua: an agent's own limit and pause, set through the admin API. reserve.lua reads both on every
-- reservation, so a change takes effect on the next room in every instance. A merge: an argument left empty
-- keeps what is stored. Any agent id is accepted, so a limit can be set before the agent is first seen.
-- Nothing is taken away: a limit below the agent's load, or a pause, only stops new rooms.
--
-- Under OOM: refused whole: an operator's change that may add two fields; the admin API answers 503.
--
-- A change that may give the agent room (a limit set or cleared, a resume) pushes a 'c' token, as a freed
-- slot does: rooms waiting for capacity are looked at again now, not at the next nudge.
--
-- KEYS[1] limit   hash  agent id -> its own limit (1 .. 10000)
-- KEYS[2] paused  hash  agent id -> '1' while the agent takes no new room
-- KEYS[3] wake    list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- ARGV[1] agent id (1-20 digits)
-- ARGV[2] limit: '' keeps it, 'clear' removes the override (the routes' or the global limit applies again),
--         or an integer 1 .. 10000
-- ARGV[3] paused: '' keeps it, '1' pauses, '0' resumes
-- ARGV[4] wake cap: the most tokens kept in the wake list (>= 1)
--
-- Returns:
--   1  STORED   {1, limit or '', paused}  what is stored now (paused '1' or '0')
--  -1  INVALID  {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/wake.lua"

local agent, limit, paused, cap = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local invalid = agent_error(agent) or wake_cap_error(cap)
if invalid then return {-1, invalid} end
if limit ~= '' and limit ~= 'clear' then
  invalid = limit_error(tonumber(limit))
  if invalid or not limit:match('^%d+$') then return {-1, invalid or 'limit must be an integer 1..10000'} end
end
if paused ~= '' and paused ~= '0' and paused ~= '1' then
  return {-1, "paused must be '', '0' or '1'"}
end

if limit == 'clear' then
  redis.call('HDEL', KEYS[1], agent)
elseif limit ~= '' then
  redis.call('HSET', KEYS[1], agent, limit)
end
if paused == '1' then
  redis.call('HSET', KEYS[2], agent, '1')
elseif paused == '0' then
  redis.call('HDEL', KEYS[2], agent)
end
if limit ~= '' or paused == '0' then push_wake(3, 'c', cap) end
return {1, redis.call('HGET', KEYS[1], agent) or '', redis.call('HGET', KEYS[2], agent) or '0'}
