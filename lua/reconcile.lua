#!lua flags=allow-oom
-- reconcile.lua: heals our agent loads where they are HIGHER than Qiscus's count, e.g. after a lost resolve
-- webhook or an agent who went offline and whose rooms were closed or moved in Qiscus. Without it such a
-- slot would stay taken in our books for ever.
--
-- Safe against bursts: an agent is only healed when we reserved nothing for it during the last `settle`
-- ms (KEYS[5]), so Qiscus's lagging count has seen every room we gave it, and its count can only have gone
-- down since: then count >= real load, and lowering our books to it never lets the limit be exceeded.
-- Only ASSIGNED rooms (state a) are forgotten, never a reservation in flight. A forgotten room's session
-- tombstone goes one past its recorded key, so a late allocation webhook of that session is stale while the
-- customer's next session (which carries a newer service id) is queued as usual; the time it was left with
-- only its tombstone goes into KEYS[9], so expire.lua forgets it once it is SESSION_TOMBSTONE_SECONDS old.
-- Safe from every instance at once; bounded by ARGV[3] agents and 100 rooms per agent.
--
-- Under OOM: runs (allow-oom): it only frees rooms Qiscus no longer counts; a tombstone may grow a digit and gets a time.
--
-- KEYS[1] state    hash  room -> q | f | a | d
-- KEYS[2] session  hash  room -> newest session key seen
-- KEYS[3] agent    hash  room -> agent id reserved or assigned
-- KEYS[4] load     hash  agent id -> rooms this service holds for the agent
-- KEYS[5] touched  hash  agent id -> when it was last reserved (ms, Redis clock)
-- KEYS[6] assigned zset  room -> agent id (score) of every room in state a
-- KEYS[7] wake     list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- KEYS[8] route    hash  room -> its route, when not 'default' (a forgotten room's is deleted)
-- KEYS[9] tombstones zset  room -> when it was left with only its tombstone (ms, Redis clock; expire.lua)
-- ARGV[1] settle: ms since an agent's last reservation before it may be healed (0 .. 86400000)
-- ARGV[2] wake cap: the most tokens kept in the wake list (>= 1)
-- ARGV[3], ARGV[4], ...: pairs of agent id (1-15 digits) and Qiscus's count (0 .. 1000000); at most 500 pairs
--
-- Returns:
--   1  HEALED  {1, agent, room, agent, room, ...}  these rooms were forgotten (one pair per room)
--   0  NONE    {0}  every agent's books are at or below Qiscus's count (or it was reserved too recently)
--  -1  INVALID {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/load.lua"
--- @include "lib/time.lua"
--- @include "lib/wake.lua"

local settle, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
if not is_integer(settle, 0, 86400000) then
  return {-1, 'settle must be 0..86400000 ms'}
end
local invalid = wake_cap_error(cap)
if invalid then return {-1, invalid} end
local pairs_given = (#ARGV - 2) / 2
if pairs_given % 1 ~= 0 or pairs_given > 500 then
  return {-1, 'agents must be at most 500 pairs of agent id and count'}
end
for i = 1, pairs_given do
  local id, count = ARGV[1 + 2 * i], tonumber(ARGV[2 + 2 * i])
  if #id > 15 or not id:match('^%d+$') then return {-1, 'agent id must be 1-15 digits'} end
  invalid = agent_count_error(count)
  if invalid then return {-1, invalid} end
end

-- one past a canonical decimal string, digit by digit (session keys may exceed Lua's exact integers)
local function successor(key)
  local digits, i = {}, #key
  for c in key:gmatch('%d') do digits[#digits + 1] = c end
  while i >= 1 do
    if digits[i] == '9' then digits[i] = '0'; i = i - 1 else digits[i] = tostring(tonumber(digits[i]) + 1); break end
  end
  local text = table.concat(digits)
  if i < 1 then text = '1' .. text end
  return text
end

local now = now_ms()
local healed = {1}
for i = 1, pairs_given do
  local agent, count = ARGV[1 + 2 * i], tonumber(ARGV[2 + 2 * i])
  local touched = tonumber(redis.call('HGET', KEYS[5], agent) or '0')
  if now - touched >= settle then
    local rooms = redis.call('ZRANGEBYSCORE', KEYS[6], agent, agent, 'LIMIT', 0, 100)
    local excess = #rooms - count
    for j = 1, math.max(excess, 0) do
      local room = rooms[j]
      redis.call('ZREM', KEYS[6], room)
      redis.call('HDEL', KEYS[3], room)
      redis.call('HDEL', KEYS[8], room)
      redis.call('HDEL', KEYS[1], room)
      redis.call('HSET', KEYS[2], room, successor(redis.call('HGET', KEYS[2], room) or '0'))
      redis.call('ZADD', KEYS[9], now, room)
      decrement_load(4, agent)
      healed[#healed + 1] = agent
      healed[#healed + 1] = room
    end
  end
end
if #healed == 1 then return {0} end
push_wake(7, 'c', cap)
return healed
