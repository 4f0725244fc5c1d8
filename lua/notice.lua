#!lua
-- notice.lua: the "place in line" messages. Walks one page of a route's queue and picks the rooms due a
-- message, within what is left of the app's budget of messages this second, and records each pick as sent
-- BEFORE the caller sends it: two instances never message one room for the same position, and a send that
-- fails is not repeated until the room is due again.
--
-- A room is due when it is queued (state q, not in flight), arrived at least ARGV[3] ms ago (a room served at
-- once gets nothing), and either has no entry in KEYS[4] (its first message), or its entry is at least ARGV[5]
-- ms old and belongs to another session or to a position at least ARGV[4] places further back. The queue is
-- ordered by arrival, so the walk stops at the first room that is too young.
--
-- Per-room entries are bounded: each call may sweep up to about ARGV[8] entries of KEYS[4] (HSCAN from the
-- cursor ARGV[7]) and removes those of rooms neither queued nor in flight once their last message is ARGV[5]
-- ms old (kept that long so a quick new session still waits the spacing out).
--
-- Under OOM: refused whole: it only feeds courtesy messages; nothing is picked, and the next scan tries again.
--
-- KEYS[1] queue  zset  room -> arrival time (us, Redis clock; lowest score = head): the queue of the route walked
-- KEYS[2] state  hash  room -> q | f | a | d
-- KEYS[3] session hash  room -> newest session key seen
-- KEYS[4] notice hash  room -> '<session>:<position>:<ms>' of its last message (position counted from 1, ms by
--                      the Redis clock)
-- KEYS[5] sends  hash  's' the Redis-clock second and 'n' the messages picked in it, by every instance together
-- ARGV[1] start: the rank (0 = head) the page starts at (0 .. 100000000)
-- ARGV[2] page: the most ranks walked (1 .. 200)
-- ARGV[3] min age: ms a room must have waited before its first message (0 .. 86400000)
-- ARGV[4] step: places a room must have moved up since its last message to get another (1 .. 1000000)
-- ARGV[5] spacing: ms between two messages of one room at least (0 .. 86400000)
-- ARGV[6] max per second: messages of the app per Redis-clock second, every instance together (1 .. 1000)
-- ARGV[7] sweep cursor: '0' or the cursor the last call returned (digits)
-- ARGV[8] sweep count: about how many entries of KEYS[4] to look at (0 .. 1000; 0: no sweep)
-- ARGV[9] limit: the most rooms to pick in this call (1 .. 200)
--
-- Every answer is {code, next rank, sweep cursor, budget left this second, room 1, position 1, room 2, ...}:
-- the rooms picked (and recorded as sent) in queue order with their positions.
-- Returns:
--   0  END           {0, 0, cursor, left, rooms...}  the walk reached the end of the queue (or a room too young)
--   1  PAGE          {1, next, cursor, left, rooms...}  the page was walked; the queue goes on at rank next
--   2  BUDGET_SPENT  {2, next, cursor, 0, rooms...}  the app's messages of this second are spent; the walk
--                                                    stopped before rank next
--   3  LIMIT_REACHED {3, next, cursor, left, rooms...}  ARGV[9] rooms were picked; the walk stopped before rank next
--  -1  INVALID       {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"

local start, page, min_age = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local step, spacing, per_second = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local cursor, sweep, limit = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
if not is_integer(start, 0, 100000000) then return {-1, 'start must be a rank 0..100000000'} end
if not is_integer(page, 1, 200) then return {-1, 'page must be an integer 1..200'} end
if not is_integer(min_age, 0, 86400000) then return {-1, 'min age must be 0..86400000 ms'} end
if not is_integer(step, 1, 1000000) then return {-1, 'step must be an integer 1..1000000'} end
if not is_integer(spacing, 0, 86400000) then return {-1, 'spacing must be 0..86400000 ms'} end
if not is_integer(per_second, 1, 1000) then return {-1, 'max per second must be an integer 1..1000'} end
if type(cursor) ~= 'string' or #cursor > 20 or not cursor:match('^%d+$') then
  return {-1, 'sweep cursor must be 1-20 digits'}
end
if not is_integer(sweep, 0, 1000) then return {-1, 'sweep count must be an integer 0..1000'} end
if not is_integer(limit, 1, 200) then return {-1, 'limit must be an integer 1..200'} end

local now_micro = now_us()
local now = math.floor(now_micro / 1000)
local second = math.floor(now / 1000)

-- '<session>:<position>:<ms>' -> session, position, ms (nil for a damaged entry)
local function parse(entry)
  if not entry then return nil end
  local session, position, at = string.match(entry, '^(%d+):(%d+):(%d+)$')
  if not session then return nil end
  return session, tonumber(position), tonumber(at)
end

-- the bounded sweep of entries of rooms that left the queue
if sweep > 0 then
  local scanned = redis.call('HSCAN', KEYS[4], cursor, 'COUNT', sweep)
  cursor = scanned[1]
  local fields = scanned[2]
  for i = 1, #fields, 2 do
    local room = fields[i]
    local _, _, at = parse(fields[i + 1])
    local state = redis.call('HGET', KEYS[2], room)
    if not at or (state ~= 'q' and state ~= 'f' and now - at >= spacing) then redis.call('HDEL', KEYS[4], room) end
  end
end

-- what is left of the app's budget this second
local budget_second = tonumber(redis.call('HGET', KEYS[5], 's') or '')
local sent = 0
if budget_second == second then sent = tonumber(redis.call('HGET', KEYS[5], 'n') or '0') or 0 end
local left = math.max(0, per_second - sent)

local answer = {0, 0, cursor, left}
local picked = 0
local rooms = redis.call('ZRANGE', KEYS[1], start, start + page - 1, 'WITHSCORES')
local code, next_rank = 1, start + #rooms / 2
for i = 1, #rooms, 2 do
  local room, arrival = rooms[i], tonumber(rooms[i + 1])
  local rank = start + (i - 1) / 2
  if now_micro - arrival < min_age * 1000 then
    code, next_rank = 0, 0
    break
  end
  if redis.call('HGET', KEYS[2], room) == 'q' then
    local session = redis.call('HGET', KEYS[3], room) or '0'
    local position = rank + 1
    local last_session, last_position, at = parse(redis.call('HGET', KEYS[4], room))
    local due = not at
      or (now - at >= spacing and (last_session ~= session or last_position - position >= step))
    if due then
      if left == 0 then
        code, next_rank = 2, rank
        break
      end
      if picked == limit then
        code, next_rank = 3, rank
        break
      end
      redis.call('HSET', KEYS[4], room, session .. ':' .. position .. ':' .. now)
      left = left - 1
      picked = picked + 1
      answer[#answer + 1] = room
      answer[#answer + 1] = position
    end
  end
end
if code == 1 and #rooms / 2 < page then code, next_rank = 0, 0 end
if picked > 0 then
  redis.call('HSET', KEYS[5], 's', second, 'n', per_second - left)
end
answer[1], answer[2], answer[4] = code, next_rank, left
return answer
