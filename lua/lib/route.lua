-- lib/route.lua: the queues of routes. Route 'default' queues in the key named `queue` (the key of every
-- version before routes, so their rooms stay in line); every other route has a queue key of its own. A
-- room's route is its field in the `route` hash; no field means 'default'. The helpers take KEYS indexes,
-- so every key a script touches is still named as KEYS[...] (Redis Cluster).

-- route name: 1-32 characters a-z, 0-9, '_' or '-', starting with a letter or digit
local function route_error(name)
  if type(name) ~= 'string' or #name < 1 or #name > 32 or not name:match('^[a-z0-9][a-z0-9_-]*$') then
    return 'route must be 1-32 characters a-z, 0-9, _ or -'
  end
end

-- route name -> KEYS index of its queue, for a script given the default queue at KEYS[default_key] and the
-- queues of the other routes at KEYS[first_key], KEYS[first_key + 1], ... named by ARGV[first_arg], ... in
-- the same order. Returns nil and the message of an INVALID reply for a bad list.
local function route_index(default_key, first_key, first_arg)
  local index = {default = default_key}
  local count = #ARGV - first_arg + 1
  if count < 0 or count > 64 or #KEYS - first_key + 1 ~= count then
    return nil, 'routes must be at most 64 names, one per queue key after the fixed keys'
  end
  for i = 0, count - 1 do
    local name = ARGV[first_arg + i]
    local invalid = route_error(name)
    if invalid then return nil, invalid end
    if index[name] then return nil, 'route ' .. name .. ' is given twice' end
    index[name] = first_key + i
  end
  return index
end

-- the KEYS index of the queue of the room's route (KEYS[route_key] names it): that route's queue when it is
-- one of the index, else the default queue. The route field stays: another instance may run a routes file
-- that has the route (a rolling deploy), and claim.lua serves the room under it; reroute.lua forgets the
-- route once no live instance has it.
local function queue_of(index, route_key, room)
  local name = redis.call('HGET', KEYS[route_key], room)
  return (name and index[name]) or index.default
end

-- queue_of, and when that is another route's queue than 'default', its name goes into the routes set
-- KEYS[routes_key] (reroute.lua finds the route there once it is gone from every routes file)
local function queue_back(index, route_key, routes_key, room)
  local name = redis.call('HGET', KEYS[route_key], room)
  if name and index[name] then
    redis.call('SADD', KEYS[routes_key], name)
    return index[name]
  end
  return index.default
end
