#!lua
-- remember.lua: what a listing of Qiscus's online agents said about them, so the admin API can name agents
-- (offline ones too) and say when each was last seen online. Each agent's card is written as given; its
-- last-seen time is Redis's clock now.
--
-- Under OOM: refused whole: the agent directory is for people; allocation does not read it.
--
-- KEYS[1] agents  hash  agent id -> its card: JSON {"name","email","divisions":[ids]} (at most 2048 bytes)
-- KEYS[2] seen    hash  agent id -> when a listing last showed it online (ms, Redis clock)
-- ARGV[1], ARGV[2], ...: pairs of agent id (1-20 digits) and card (1-2048 bytes, or '' to keep the card and
--         only mark the agent seen); at most 500 pairs
--
-- Returns:
--   1  REMEMBERED  {1, agents}  the agents' cards and times are stored
--  -1  INVALID     {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"

local given = #ARGV / 2
if given % 1 ~= 0 or given > 500 then
  return {-1, 'agents must be at most 500 pairs of agent id and card'}
end
for i = 1, given do
  local invalid = agent_error(ARGV[2 * i - 1])
  if invalid then return {-1, invalid} end
  local card = ARGV[2 * i]
  if type(card) ~= 'string' or #card > 2048 then return {-1, 'card must be at most 2048 bytes'} end
end

local now = now_ms()
for i = 1, given do
  local agent, card = ARGV[2 * i - 1], ARGV[2 * i]
  if card ~= '' then redis.call('HSET', KEYS[1], agent, card) end
  redis.call('HSET', KEYS[2], agent, now)
end
return {1, given}
