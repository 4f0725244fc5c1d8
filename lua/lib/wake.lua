-- lib/wake.lua: the wake list idle workers block on, of tokens 'q' (a room was queued) and 'c' (a slot
-- was freed). The helper takes the list's index in KEYS, so every key a script touches is still named as
-- KEYS[...] (Redis Cluster).

-- pushes a token onto KEYS[wake], then trims the list to its newest cap tokens, so it stays bounded while
-- no worker waits
local function push_wake(wake, token, cap)
  redis.call('RPUSH', KEYS[wake], token)
  redis.call('LTRIM', KEYS[wake], -cap, -1)
end
