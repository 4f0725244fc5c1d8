-- lib/time.lua: the time now by the Redis clock (TIME), the one clock every instance shares.

-- now in ms (lease deadlines, dead and freed times, reservation times)
local function now_ms()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end

-- now in us (arrival times)
local function now_us()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000000 + tonumber(now[2])
end
