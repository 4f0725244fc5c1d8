-- revive.lua: puts rooms from the dead set back in the queue (operator action `allocator requeue-dead`,
-- after the cause, e.g. a Qiscus outage or wrong credentials, is fixed). A revived room takes its original
-- place in line (its arrival time), so it is served before every room that came after it.
--
-- KEYS[1] queue   zset  room -> arrival time (us; lowest score = head)
-- KEYS[2] state   hash  room -> q | f | a | d
-- KEYS[3] dead    zset  room -> time it was given up (ms)
-- KEYS[4] reason  hash  room -> why it was given up
-- KEYS[5] since   hash  room -> arrival time (us) of its session
-- KEYS[6] wake    list  wake-up tokens idle workers block on: 'q' a room was queued, 'c' a slot was freed
-- ARGV[1] room id (1-32 digits), or '' for the oldest dead rooms
-- ARGV[2] batch: the most rooms to revive in this call (1 .. 1000)
-- ARGV[3] wake cap: the most tokens kept in the wake list (>= 1)
--
-- Returns:
--   1  REVIVED  {1, room, ...}  these rooms are queued again, oldest first
--   0  NONE     {0}  no dead room (or the room given is not dead): nothing changed
--  -1  INVALID  {-1, message}  bad arguments: nothing changed
local room, batch, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if type(room) ~= 'string' or #room > 32 or not (room == '' or room:match('^%d+$')) then
  return {-1, 'room must be empty or 1-32 digits'}
end
if not batch or batch < 1 or batch > 1000 or batch % 1 ~= 0 then
  return {-1, 'batch must be an integer 1..1000'}
end
if not cap or cap < 1 or cap % 1 ~= 0 then
  return {-1, 'wake cap must be a positive integer'}
end

local rooms
if room ~= '' then
  if not redis.call('ZSCORE', KEYS[3], room) then return {0} end
  rooms = {room}
else
  rooms = redis.call('ZRANGE', KEYS[3], 0, batch - 1)
  if #rooms == 0 then return {0} end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local head = first[2] and tonumber(first[2]) - 1 or 0
local revived = {1}
for i = 1, #rooms do
  local r = rooms[i]
  redis.call('ZREM', KEYS[3], r)
  redis.call('HDEL', KEYS[4], r)
  if redis.call('HGET', KEYS[2], r) == 'd' then
    local position = tonumber(redis.call('HGET', KEYS[5], r) or '')
    if not position then position = head; head = head - 1 end
    redis.call('ZADD', KEYS[1], position, r)
    redis.call('HSET', KEYS[2], r, 'q')
    table.insert(revived, r)
  end
end
if #revived == 1 then return {0} end
redis.call('RPUSH', KEYS[6], 'q')
redis.call('LTRIM', KEYS[6], -cap, -1)
return revived
