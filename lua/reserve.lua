#!lua
-- reserve.lua: THE allocation step. Checks the lease and the room, picks an agent under the limit and
-- counts the room against that agent, all at once inside Redis, so no two workers (in any number of
-- instances) can fill the same free slot.
--
-- Effective load of a candidate = max(our own count in KEYS[4], the count Qiscus reported minus the rooms
-- of that agent we released within the release window). Qiscus's current_customer_count lags real
-- assignments by seconds, so it is never trusted alone; our count includes rooms reserved but not yet
-- assigned. It also lags releases: without the subtraction a resolved agent's slot would stay shut until
-- Qiscus caught up. The subtraction can only hide rooms someone ELSE assigned to the agent (our own are in
-- our count), for at most the window.
--
-- Under OOM: refused whole: it gives an agent new work before any assign call; the room waits for recover.
--
-- KEYS[1] state  hash  room -> q | f | a | d
-- KEYS[2] owner  hash  room -> token of the worker holding the lease
-- KEYS[3] agent  hash  room -> agent id reserved or assigned
-- KEYS[4] load   hash  agent id -> rooms this service holds for the agent
-- KEYS[5] touched hash  agent id -> when it was last reserved (ms, Redis clock); reconcile.lua leaves an
--                       agent alone until Qiscus's lagging count has had time to see that reservation
-- KEYS[6] freed   hash  agent id -> when we released its last rooms: up to 16 ms times, comma separated
-- ARGV[1] room id (1-32 digits)
-- ARGV[2] owner token (from claim.lua)
-- ARGV[3] limit: most rooms per agent (1 .. 10000)
-- ARGV[4] strategy: 'least_loaded' (lowest effective load, ties in candidate order) or 'in_order'
--         (first candidate under the limit)
-- ARGV[5] release window: ms during which our releases are subtracted from Qiscus's count (0 .. 86400000)
-- ARGV[6], ARGV[7], ...: candidate pairs, agent id (1-20 digits) then Qiscus's count (0 .. 1000000);
--         at most 500 pairs, in the order Qiscus listed them; online agents only
--
-- Returns:
--   1  RESERVED          {1, agent, load}  agent reserved for the room; load = our count after the increment
--   2  ALREADY_RESERVED  {2, agent, load}  the room kept a reservation (a retry, or a lease that expired):
--                                          the SAME agent again, counted once
--   3  ALREADY_ASSIGNED  {3, agent}  the room is assigned already: nothing changed
--   0  NO_CAPACITY       {0}  every candidate is at the limit (or there are none): nothing changed
--  -2  LEASE_LOST        {-2}  the room is not in flight under this token: nothing changed
--  -1  INVALID           {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"

local room, token, limit, strategy = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local invalid = room_error(room) or token_error(token)
if invalid then return {-1, invalid} end
if not limit or limit < 1 or limit > 10000 or limit % 1 ~= 0 then
  return {-1, 'limit must be an integer 1..10000'}
end
if strategy ~= 'least_loaded' and strategy ~= 'in_order' then
  return {-1, 'strategy must be least_loaded or in_order'}
end
local window = tonumber(ARGV[5])
if not window or window < 0 or window > 86400000 or window % 1 ~= 0 then
  return {-1, 'release window must be 0..86400000 ms'}
end
local pairs_given = (#ARGV - 5) / 2
if pairs_given % 1 ~= 0 or pairs_given > 500 then
  return {-1, 'candidates must be at most 500 pairs of agent id and count'}
end
local ids, counts = {}, {}
for i = 1, pairs_given do
  local id, count = ARGV[4 + 2 * i], tonumber(ARGV[5 + 2 * i])
  invalid = agent_error(id) or agent_count_error(count)
  if invalid then return {-1, invalid} end
  ids[i], counts[i] = id, count
end

local state = redis.call('HGET', KEYS[1], room)
local held = redis.call('HGET', KEYS[3], room)
if state == 'a' then return {3, held or ''} end
if state ~= 'f' or redis.call('HGET', KEYS[2], room) ~= token then return {-2} end
if held then
  return {2, held, tonumber(redis.call('HGET', KEYS[4], held) or '0')}
end
if pairs_given == 0 then return {0} end

local loads = redis.call('HMGET', KEYS[4], unpack(ids))
local freed = {}
local now
if window > 0 then
  freed = redis.call('HMGET', KEYS[6], unpack(ids))
  now = now_ms()
end
local best, best_load
for i = 1, pairs_given do
  local recent = 0
  if freed[i] then
    for at in string.gmatch(freed[i], '%d+') do
      if now - tonumber(at) <= window then recent = recent + 1 end
    end
  end
  local effective = math.max(tonumber(loads[i] or '0'), counts[i] - recent)
  if effective < limit and (not best or effective < best_load) then
    best, best_load = i, effective
    if strategy == 'in_order' then break end
  end
end
if not best then return {0} end

local agent = ids[best]
redis.call('HSET', KEYS[5], agent, now_ms())
redis.call('HSET', KEYS[3], room, agent)
return {1, agent, redis.call('HINCRBY', KEYS[4], agent, 1)}
