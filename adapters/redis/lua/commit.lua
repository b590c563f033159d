-- commit: applies one input's effects to one instance, all or nothing (docs/redis-layout.md).
-- Every key is in the instance's shard (one hash slot).
-- KEYS[1] instance   "<revision> <history head hash> <document>"
-- KEYS[2] history    stream: e = entry JSON, h = sha1(previous h .. e), computed by the caller
-- KEYS[3..] the keys the operations below name, by index
-- ARGV[1] the stored value's head the caller read, "<revision> <hash> " ('': must not exist)
-- ARGV[2] the new entry's hash      ARGV[3] the new stored value (revision, hash, document)
-- ARGV[4] the history entry         ARGV[5] idempotency key's index in KEYS (0: none)
-- ARGV[6] its time to live, s       ARGV[7] business-key hash's index in KEYS (0: none)
-- ARGV[8] business-key field        ARGV[9] the instance id
-- ARGV[10] number of operations, then each: name, key index, arguments
--   Z (ZADD) score member | R (ZREM) member | X (XADD, trimmed to ~maxlen; 0: never) maxlen
--   field value  (one field per entry: a commit's events go in one entry; the feed's: its id is
--   "<Redis time in microseconds>-<n>", so that ids across shards follow the order of commits)
--   | O (outbox XADD) kind effect-id payload
--   | D (a completed task listed: LPUSH "<closed_at> <this commit's history id> <rest>"; over
--     1.5 x `keep` members, trimmed to the `keep` newest, and the latest closed_at trimmed set in
--     the hash KEYS[since] under `field`) closed_at keep rest since field
-- Returns {'ok', history id, head} | {'stale', stored} | {'missing'} | {'dup', first result}
--       | {'taken', instance id}
-- XADD of a one-field entry, trimmed to ~maxlen unless that is '0'; false if refused.
local function xadd(call, key, maxlen, id, field, value)
  local added
  if maxlen == '0' then
    added = call('XADD', key, id, field, value)
  else
    added = call('XADD', key, 'MAXLEN', '~', maxlen, id, field, value)
  end
  return not (type(added) == 'table' and added.err)
end

local idem = tonumber(ARGV[5])
if idem > 0 then
  local first = redis.call('GET', KEYS[idem])
  if first then return {'dup', first} end
end
-- The revision and head are checked by reading only the stored value's first bytes.
local expected = ARGV[1]
if expected == '' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return {'stale', redis.call('GET', KEYS[1])} end
elseif redis.call('GETRANGE', KEYS[1], 0, #expected - 1) ~= expected then
  local stored = redis.call('GET', KEYS[1])
  if stored then return {'stale', stored} end
  return {'missing'}
end
local bkey = tonumber(ARGV[7])
if bkey > 0 then
  local owner = redis.call('HGET', KEYS[bkey], ARGV[8])
  if owner and owner ~= ARGV[9] then return {'taken', owner} end
end

local hash = ARGV[2]
local id = redis.call('XADD', KEYS[2], '*', 'e', ARGV[4], 'h', hash)
redis.call('SET', KEYS[1], ARGV[3])
if bkey > 0 then redis.call('HSET', KEYS[bkey], ARGV[8], ARGV[9]) end
if idem > 0 then redis.call('SET', KEYS[idem], ARGV[3], 'EX', ARGV[6]) end

local i = 11
for _ = 1, tonumber(ARGV[10]) do
  local op, key = ARGV[i], KEYS[tonumber(ARGV[i + 1])]
  if op == 'Z' then
    redis.call('ZADD', key, ARGV[i + 2], ARGV[i + 3]); i = i + 4
  elseif op == 'D' then
    local n = redis.call('LPUSH', key, ARGV[i + 2] .. ' ' .. id .. ' ' .. ARGV[i + 4])
    -- Trimmed in batches: once over half as many again as kept, back to `keep`, the latest
    -- completion time trimmed kept beside it.
    local keep = tonumber(ARGV[i + 3])
    if n > keep + keep / 2 then
      local since, field = KEYS[tonumber(ARGV[i + 5])], ARGV[i + 6]
      local latest = tonumber(redis.call('HGET', since, field) or '0')
      for _, member in ipairs(redis.call('LRANGE', key, keep, -1)) do
        local at = tonumber(string.match(member, '^%d+'))
        if at and at > latest then latest = at end
      end
      redis.call('HSET', since, field, string.format('%.0f', latest))
      redis.call('LTRIM', key, 0, keep - 1)
    end
    i = i + 7
  elseif op == 'R' then
    redis.call('ZREM', key, ARGV[i + 2]); i = i + 3
  elseif op == 'X' then
    local t = redis.call('TIME')
    local at = t[1] .. string.format('%06d', tonumber(t[2])) .. '-*'
    if not xadd(redis.pcall, key, ARGV[i + 2], at, ARGV[i + 3], ARGV[i + 4]) then
      -- The stream's last id is later than now (the clock went back): the next one after it.
      xadd(redis.call, key, ARGV[i + 2], '*', ARGV[i + 3], ARGV[i + 4])
    end
    i = i + 5
  elseif op == 'O' then
    redis.call('XADD', key, '*', 'k', ARGV[i + 2], 'x', ARGV[i + 3], 'p', ARGV[i + 4]); i = i + 5
  else
    return redis.error_reply('commit: unknown operation ' .. tostring(op))
  end
end
return {'ok', id, hash}
