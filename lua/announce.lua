#!lua
-- announce.lua: each instance says which routes file it runs (a fingerprint of the routes) and learns
-- whether the other live instances run the same. Instances with different routes files would put rooms in
-- different routes and give agents different limits, so a difference is logged loudly and shown in status.
-- The housekeeper runs it every RECONCILE_SECONDS; an instance not heard of for ARGV[3] ms is forgotten.
--
-- Under OOM: refused whole: it only refreshes one field; the next tick tries again.
--
-- KEYS[1] instances hash  instance id -> '<last heard, ms Redis clock>:<fingerprint>'
-- ARGV[1] instance id (1-64 bytes without ':')
-- ARGV[2] fingerprint of its routes (1-128 bytes)
-- ARGV[3] ttl: ms after which a silent instance is forgotten (1000 .. 86400000)
--
-- Returns:
--   1  AGREED     {1, instances}  every live instance runs the same routes (instances = how many are live)
--   2  DIFFERENT  {2, instance, fingerprint, ...}  these live instances run other routes
--  -1  INVALID    {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"

local id, fingerprint, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
if type(id) ~= 'string' or #id < 1 or #id > 64 or id:find(':', 1, true) then
  return {-1, 'instance id must be 1-64 bytes without :'}
end
if type(fingerprint) ~= 'string' or #fingerprint < 1 or #fingerprint > 128 then
  return {-1, 'fingerprint must be 1-128 bytes'}
end
if not is_integer(ttl, 1000, 86400000) then
  return {-1, 'ttl must be 1000..86400000 ms'}
end

local now = now_ms()
redis.call('HSET', KEYS[1], id, now .. ':' .. fingerprint)
local all = redis.call('HGETALL', KEYS[1])
local live, different = 0, {2}
for i = 1, #all, 2 do
  local other, value = all[i], all[i + 1]
  local at, theirs = value:match('^(%d+):(.*)$')
  if not at or now - tonumber(at) > ttl then
    redis.call('HDEL', KEYS[1], other)
  else
    live = live + 1
    if theirs ~= fingerprint then
      different[#different + 1] = other
      different[#different + 1] = theirs
    end
  end
end
if #different > 1 then return different end
return {1, live}
