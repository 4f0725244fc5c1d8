-- lib/stats.lua: the ring of the last 60 minutes of one route that charts read (rooms served per minute and
-- their waits), one hash per route, so every instance shows the same and a restart loses nothing. For
-- slot = minute % 60 (minute = Redis clock ms / 60000) the hash holds '<slot>:m' the minute the slot counts,
-- '<slot>:n' rooms served in it, and '<slot>:b<k>' how many of them waited at most WAIT_BOUNDS[k] ms
-- (k = #WAIT_BOUNDS + 1: longer). A slot still holding an older minute is cleared before it counts again,
-- so the hash never holds more than 60 * (2 + 12) fields.

-- upper bounds of the wait buckets, in ms (mirrored by RouteMinute.waitBounds in Swift)
local WAIT_BOUNDS = {1000, 2000, 5000, 10000, 20000, 30000, 60000, 120000, 300000, 600000, 1800000}

-- counts one room served at `now_ms` after a wait of `waited` ms (negative: unknown, counted as served only)
-- in the ring at KEYS[ring] (an index, so every key is still named as KEYS[...] for Redis Cluster)
local function record_served(ring, now_ms, waited)
  local minute = math.floor(now_ms / 60000)
  local slot = tostring(minute % 60)
  if tonumber(redis.call('HGET', KEYS[ring], slot .. ':m')) ~= minute then
    local stale = {slot .. ':n'}
    for k = 1, #WAIT_BOUNDS + 1 do stale[#stale + 1] = slot .. ':b' .. k end
    redis.call('HDEL', KEYS[ring], unpack(stale))
    redis.call('HSET', KEYS[ring], slot .. ':m', string.format('%d', minute))
  end
  redis.call('HINCRBY', KEYS[ring], slot .. ':n', 1)
  if waited >= 0 then
    local bucket = #WAIT_BOUNDS + 1
    for k, bound in ipairs(WAIT_BOUNDS) do
      if waited <= bound then
        bucket = k
        break
      end
    end
    redis.call('HINCRBY', KEYS[ring], slot .. ':b' .. bucket, 1)
  end
end
