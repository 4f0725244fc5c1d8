#!lua flags=allow-oom
-- expire.lua: forgets the session tombstones of rooms resolved long ago, so Redis holds the rooms in play and
-- those resolved within the tombstone age (SESSION_TOMBSTONE_SECONDS), not every room ever seen.
--
-- A tombstone is a room's field in `session` once nothing else is recorded for it (no state): it lets
-- enqueue.lua know a late allocation webhook of a resolved session as stale. The scripts that leave a room
-- with only its tombstone (release.lua, reconcile.lua) record when in KEYS[3]; enqueue.lua removes the entry
-- when the room is queued again. An entry older than the age ARGV[1] is due:
-- - a room without state loses its session field and any other per-room leftover (its `notice` entry, kept
--   when queue messages were turned off; `since` and `route`, which no script leaves without a state);
-- - a room in play (it came back through a script that does not know KEYS[3], e.g. an older instance during a
--   rolling deploy) keeps everything: only its entry goes, and its next resolve records a new one.
-- After that an allocation webhook of an old session of the room is taken as a new room (queued): Qiscus
-- retries a webhook for minutes, never days later, so an age of days only forgets sessions no webhook comes for.
--
-- It also adopts tombstones without an entry (written before this script existed, or by an older instance):
-- it scans about ARGV[4] fields of `session` from the cursor ARGV[3] and gives each room without state and
-- without an entry one dated now, so it is forgotten a full age later.
--
-- Bounded: at most ARGV[2] due entries and about ARGV[4] scanned fields per call; the caller calls again while
-- entries are still due (the answer says how many). Safe from every instance at once.
--
-- Under OOM: runs (allow-oom): it frees memory; an adopted tombstone adds one small entry (at most ARGV[4]).
--
-- KEYS[1] state      hash  room -> q | f | a | d (no field: not in play)
-- KEYS[2] session    hash  room -> newest session key seen (a tombstone once the room has no state)
-- KEYS[3] tombstones zset  room -> when it was left with only its tombstone (ms, Redis clock)
-- KEYS[4] notice     hash  room -> its last queue message (notice.lua)
-- KEYS[5] since      hash  room -> arrival time (us) of its session
-- KEYS[6] route      hash  room -> its route, when not 'default'
-- ARGV[1] age: ms after which a tombstone is forgotten (1 .. 31536000000)
-- ARGV[2] batch: the most due entries handled in this call (1 .. 1000)
-- ARGV[3] adoption cursor: the HSCAN cursor of `session` to go on from ('0' starts a round; 1-20 digits)
-- ARGV[4] adoption count: about how many `session` fields to scan for tombstones without an entry (0 .. 1000;
--         0 scans none)
--
-- Returns:
--   1  EXPIRED   {1, forgotten, due, cursor, adopted}  due entries were handled: forgotten = rooms whose
--                tombstone (and leftovers) were deleted (rooms in play only lost their entry); due = entries
--                still due (call again while > 0); cursor = the adoption cursor for the next call ('0': the scan
--                went round); adopted = tombstones given an entry
--   0  NONE_DUE  {0, 0, 0, cursor, adopted}  no entry was due: nothing forgotten
--  -1  INVALID   {-1, message}  bad arguments: nothing changed
--- @include "lib/args.lua"
--- @include "lib/time.lua"

local age, batch, cursor, count = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
if not is_integer(age, 1, 31536000000) then return {-1, 'age must be 1..31536000000 ms'} end
local invalid = batch_error(batch)
if invalid then return {-1, invalid} end
if type(cursor) ~= 'string' or #cursor > 20 or not cursor:match('^%d+$') then
  return {-1, 'adoption cursor must be 1-20 digits'}
end
if not is_integer(count, 0, 1000) then return {-1, 'adoption count must be an integer 0..1000'} end

local now = now_ms()

-- tombstones without an entry get one, dated now
local adopted = 0
if count > 0 then
  local scanned = redis.call('HSCAN', KEYS[2], cursor, 'COUNT', count)
  cursor = scanned[1]
  local fields = scanned[2]
  for i = 1, #fields, 2 do
    local room = fields[i]
    if not redis.call('HGET', KEYS[1], room) and not redis.call('ZSCORE', KEYS[3], room) then
      redis.call('ZADD', KEYS[3], now, room)
      adopted = adopted + 1
    end
  end
end

local cutoff = now - age
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', cutoff, 'LIMIT', 0, batch)
if #due == 0 then return {0, 0, 0, cursor, adopted} end
local forgotten = 0
for i = 1, #due do
  local room = due[i]
  redis.call('ZREM', KEYS[3], room)
  if not redis.call('HGET', KEYS[1], room) then
    redis.call('HDEL', KEYS[2], room)
    redis.call('HDEL', KEYS[4], room)
    redis.call('HDEL', KEYS[5], room)
    redis.call('HDEL', KEYS[6], room)
    forgotten = forgotten + 1
  end
end
return {1, forgotten, redis.call('ZCOUNT', KEYS[3], '-inf', cutoff), cursor, adopted}
