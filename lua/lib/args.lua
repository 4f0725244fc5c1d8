-- lib/args.lua: argument checks shared by the scripts. Each returns nil when the value is valid, else the
-- message of the script's INVALID reply {-1, message}. A script runs them in the order its header lists the
-- arguments, all before its first write (Redis has no rollback).

-- whether a value (a number, or nil when the argument is not one) is a whole number low .. high
local function is_integer(value, low, high)
  return value ~= nil and value >= low and value <= high and value % 1 == 0
end

-- room id: 1-32 digits
local function room_error(room)
  if type(room) ~= 'string' or #room > 32 or not room:match('^%d+$') then
    return 'room must be 1-32 digits'
  end
end

-- owner token (from claim.lua): 1-128 bytes
local function token_error(token)
  if type(token) ~= 'string' or #token < 1 or #token > 128 then
    return 'token must be 1-128 bytes'
  end
end

-- agent id: 1-20 digits
local function agent_error(agent)
  if type(agent) ~= 'string' or #agent > 20 or not agent:match('^%d+$') then
    return 'agent id must be 1-20 digits'
  end
end

-- lease length in ms (a number, or nil when the argument is not one): an integer 1 .. 86400000
local function lease_error(lease)
  if not is_integer(lease, 1, 86400000) then
    return 'lease must be 1..86400000 ms'
  end
end

-- batch, the most rooms one call handles (a number or nil): an integer 1 .. 1000
local function batch_error(batch)
  if not is_integer(batch, 1, 1000) then
    return 'batch must be an integer 1..1000'
  end
end

-- wake cap, the most tokens kept in the wake list (a number or nil): a positive integer
local function wake_cap_error(cap)
  if not is_integer(cap, 1, math.huge) then
    return 'wake cap must be a positive integer'
  end
end

-- an agent's room count as Qiscus reports it (a number or nil): an integer 0 .. 1000000
local function agent_count_error(count)
  if not is_integer(count, 0, 1000000) then
    return 'agent count must be an integer 0..1000000'
  end
end

-- an agent's limit, the most rooms it may hold (a number or nil): an integer 1 .. 10000
local function limit_error(limit)
  if not is_integer(limit, 1, 10000) then
    return 'limit must be an integer 1..10000'
  end
end
