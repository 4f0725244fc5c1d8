-- lib/load.lua: the load hash, agent id -> rooms this service holds for the agent. The helper takes the
-- hash's index in KEYS, so every key a script touches is still named as KEYS[...] (Redis Cluster).

-- one room less for the agent in KEYS[load]; its field is deleted at 0, so the hash holds only agents
-- with rooms
local function decrement_load(load, agent)
  if redis.call('HINCRBY', KEYS[load], agent, -1) <= 0 then redis.call('HDEL', KEYS[load], agent) end
end
