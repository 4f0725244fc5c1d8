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
-- The limit of a candidate is its override (KEYS[7], set through the admin API) when it has one, else the
-- limit its routes give it (passed with the candidate). A paused agent (KEYS[8]) gets no new room. A limit
-- lowered below an agent's load takes nothing away: the agent only gets no room until it is under the limit.
-- Load and limit are one per agent across every route: an agent in two divisions holds at most its limit in
-- total, whichever route's room asks.
--
-- Overflow: candidates after the first ARGV[4] are agents of the room's overflow route (the room waited long
-- enough in its own). They are taken only when no candidate of the room's own route has room AND nobody
-- waits in the overflow route's queue (KEYS[9]): an agent serves its own routes' rooms before overflow rooms.
--
-- Under OOM: refused whole: it gives an agent new work before any assign call; the room waits for recover.
--
-- KEYS[1] state   hash  room -> q | f | a | d
-- KEYS[2] owner   hash  room -> token of the worker holding the lease
-- KEYS[3] agent   hash  room -> agent id reserved or assigned
-- KEYS[4] load    hash  agent id -> rooms this service holds for the agent (over every route)
-- KEYS[5] touched hash  agent id -> when it was last reserved (ms, Redis clock); reconcile.lua leaves an
--                       agent alone until Qiscus's lagging count has had time to see that reservation
-- KEYS[6] freed   hash  agent id -> when we released its last rooms: up to 16 ms times, comma separated
-- KEYS[7] limit   hash  agent id -> its own limit (1 .. 10000), set through the admin API; it wins over ARGV
-- KEYS[8] paused  hash  agent id -> '1' while the agent takes no new room (admin API)
-- KEYS[9] queue   zset  the queue of the room's overflow route (any queue when ARGV[4] covers every candidate)
-- ARGV[1] room id (1-32 digits)
-- ARGV[2] owner token (from claim.lua)
-- ARGV[3] strategy: 'least_loaded' (lowest effective load, ties in candidate order) or 'in_order'
--         (first candidate under its limit)
-- ARGV[4] own: how many of the candidates (the first ones) serve the room's own route; the rest are overflow
-- ARGV[5] release window: ms during which our releases are subtracted from Qiscus's count (0 .. 86400000)
-- ARGV[6], ARGV[7], ARGV[8], ...: candidate triples: agent id (1-20 digits), Qiscus's count (0 .. 1000000)
--         and the limit its routes give it (1 .. 10000); at most 500 triples, own ones first, each part in the
--         order Qiscus listed them; online agents only
--
-- Returns:
--   1  RESERVED          {1, agent, load, overflow}  agent reserved for the room; load = our count after the
--                                          increment; overflow = 1 when the agent came from the overflow route
--   2  ALREADY_RESERVED  {2, agent, load}  the room kept a reservation (a retry, or a lease that expired):
--                                          the SAME agent again, counted once (limit and pause are not asked
--                                          again: the assign call may have reached Qiscus already)
--   3  ALREADY_ASSIGNED  {3, agent}  the room is assigned already: nothing changed
--   0  NO_CAPACITY       {0}  every candidate is at its limit or paused (or there are none): nothing changed
--  -2  LEASE_LOST        {-2}  the room is not in flight under this token: nothing changed
--  -1  INVALID           {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"

local room, token, strategy, own = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local invalid = room_error(room) or token_error(token)
if invalid then return {-1, invalid} end
if strategy ~= 'least_loaded' and strategy ~= 'in_order' then
  return {-1, 'strategy must be least_loaded or in_order'}
end
local window = tonumber(ARGV[5])
if not is_integer(window, 0, 86400000) then
  return {-1, 'release window must be 0..86400000 ms'}
end
local given = (#ARGV - 5) / 3
if given % 1 ~= 0 or given > 500 then
  return {-1, 'candidates must be at most 500 triples of agent id, count and limit'}
end
if not is_integer(own, 0, given) then
  return {-1, 'own must be an integer 0..number of candidates'}
end
local ids, counts, limits = {}, {}, {}
for i = 1, given do
  local id, count, limit = ARGV[3 + 3 * i], tonumber(ARGV[4 + 3 * i]), tonumber(ARGV[5 + 3 * i])
  invalid = agent_error(id) or agent_count_error(count) or limit_error(limit)
  if invalid then return {-1, invalid} end
  ids[i], counts[i], limits[i] = id, count, limit
end

local state = redis.call('HGET', KEYS[1], room)
local held = redis.call('HGET', KEYS[3], room)
if state == 'a' then return {3, held or ''} end
if state ~= 'f' or redis.call('HGET', KEYS[2], room) ~= token then return {-2} end
if held then
  return {2, held, tonumber(redis.call('HGET', KEYS[4], held) or '0')}
end
if given == 0 then return {0} end

local loads = redis.call('HMGET', KEYS[4], unpack(ids))
local overrides = redis.call('HMGET', KEYS[7], unpack(ids))
local paused = redis.call('HMGET', KEYS[8], unpack(ids))
local freed = {}
local now
if window > 0 then
  freed = redis.call('HMGET', KEYS[6], unpack(ids))
  now = now_ms()
end

-- the candidate with the lowest effective load under its limit among candidates first .. last
local function pick(first, last)
  local best, best_load
  for i = first, last do
    if not paused[i] then
      local recent = 0
      if freed[i] then
        for at in string.gmatch(freed[i], '%d+') do
          if now - tonumber(at) <= window then recent = recent + 1 end
        end
      end
      local effective = math.max(tonumber(loads[i] or '0'), counts[i] - recent)
      local limit = tonumber(overrides[i] or '') or limits[i]
      if effective < limit and (not best or effective < best_load) then
        best, best_load = i, effective
        if strategy == 'in_order' then break end
      end
    end
  end
  return best
end

local best = pick(1, own)
local overflow = 0
if not best and own < given and redis.call('ZCARD', KEYS[9]) == 0 then
  best = pick(own + 1, given)
  overflow = 1
end
if not best then return {0} end

local agent = ids[best]
redis.call('HSET', KEYS[5], agent, now_ms())
redis.call('HSET', KEYS[3], room, agent)
return {1, agent, redis.call('HINCRBY', KEYS[4], agent, 1), overflow}
