-- lib/queue.lua: the queue, room -> arrival time (us, Redis clock; lowest score = head). The helper takes
-- the queue's index in KEYS, so every key a script touches is still named as KEYS[...] (Redis Cluster).

-- a score just ahead of the head of KEYS[queue] (0 when it is empty): the place at the head for a room
-- whose arrival time is unknown
local function score_ahead_of_head(queue)
  local first = redis.call('ZRANGE', KEYS[queue], 0, 0, 'WITHSCORES')
  return first[2] and tonumber(first[2]) - 1 or 0
end
