-- commit: applies one input's effects to one instance, all or nothing (docs/redis-layout.md).
-- Every key is in the instance's shard (one hash slot).
-- KEYS[1] instance   "<revision> <history head hash> <document>"
-- KEYS[2] history    stream: e = entry, h = sha1(previous h .. e), computed by the caller
-- KEYS[3..] the keys the operations below name, by index
-- ARGV[1] the stored value's head the caller read, "<revision> <hash> " ('': must not exist)
-- ARGV[2] the new entry's hash      ARGV[3] the new stored value (revision, hash, document)
-- ARGV[4] the history entry
-- ARGV[5] the operations, three bytes each: a letter and the index in KEYS of its key (k), in
--   two bytes, high first; their arguments follow from ARGV[6] on, in order. First, when there
--   are any, the guards:
--   I k: ttl              an idempotency key: seen before, the answer is the first result
--   B k: field id         a business key of a start: held by another instance, refused
--   then the check's end: the last index of ARGV[1] in the stored value (no argument when
--   ARGV[1] is ''), and what the commit changes:
--   Z k: score member     ZADD                | R k: member   ZREM
--   L k: closed_at keep rest     a completed task, listed by the D operations after it; k the
--                         hash of latest times trimmed
--   D k:                  LPUSH "<closed_at> <this commit's history id> <rest>"; over
--                         1.5 x keep members, trimmed to the keep newest, the latest closed_at
--                         trimmed set in L's hash under the list's field (its key after
--                         "}:done-list:")
--   X k: entry            the feed: XADD of field e, its id "<Redis time in microseconds>-<n>",
--                         so that ids across shards follow the order of commits
--   Y k: maxlen entry     the same, trimmed to ~maxlen
--   C k: task             a closed task: HSET of its relative id (".t3") to this commit's
--                         history id in the instance's index of closed tasks
--   O k: kind effect-id payload  the outbox: XADD
-- Returns {'ok', history id, head} | {'stale', stored} | {'missing'} | {'dup', first result}
--       | {'taken', instance id}

-- Locals: each global or field looked up once, not at every use.
local call, byte = redis.call, string.byte

-- XADD of a one-field entry with `fn` (call or pcall), trimmed to ~maxlen unless that is '';
-- false if refused.
local function xadd(fn, key, maxlen, id, value)
  local added
  if maxlen == '' then
    added = fn('XADD', key, id, 'e', value)
  else
    added = fn('XADD', key, 'MAXLEN', '~', maxlen, id, 'e', value)
  end
  return not (type(added) == 'table' and added.err)
end

local I, B, Z, R, L, D, X, Y, O, C = byte('IBZRLDXYOC', 1, 10)
local ops, at, pos = ARGV[5], 6, 1
-- The operation at `pos`: its letter and key.
local function op_at(p)
  local letter, high, low = byte(ops, p, p + 2)
  if letter == nil then return nil end
  return letter, KEYS[high * 256 + low]
end

local letter, key = op_at(pos)
local idem, ttl
if letter == I then
  idem, ttl = key, ARGV[at]
  at, pos = at + 1, pos + 3
  local first = call('GET', idem)
  if first then return {'dup', first} end
  letter, key = op_at(pos)
end
local bkey, field, owner
if letter == B then
  bkey, field, owner = key, ARGV[at], ARGV[at + 1]
  at, pos = at + 2, pos + 3
end
-- The revision and head are checked by reading only the stored value's first bytes.
local expected = ARGV[1]
if expected == '' then
  if call('EXISTS', KEYS[1]) == 1 then return {'stale', call('GET', KEYS[1])} end
else
  local head = call('GETRANGE', KEYS[1], '0', ARGV[at])
  at = at + 1
  if head ~= expected then
    local stored = call('GET', KEYS[1])
    if stored then return {'stale', stored} end
    return {'missing'}
  end
end
if bkey then
  local held = call('HGET', bkey, field)
  if held and held ~= owner then return {'taken', held} end
end

local hash = ARGV[2]
local id = call('XADD', KEYS[2], '*', 'e', ARGV[4], 'h', hash)
call('SET', KEYS[1], ARGV[3])
if bkey then call('HSET', bkey, field, owner) end
if idem then call('SET', idem, ARGV[3], 'EX', ttl) end

local listed, keep, since  -- set by L, for the D operations after it
for p = pos, #ops, 3 do
  local high, low
  letter, high, low = byte(ops, p, p + 2)
  key = KEYS[high * 256 + low]
  if letter == Z then
    call('ZADD', key, ARGV[at], ARGV[at + 1]); at = at + 2
  elseif letter == R then
    call('ZREM', key, ARGV[at]); at = at + 1
  elseif letter == L then
    listed = ARGV[at] .. ' ' .. id .. ' ' .. ARGV[at + 2]
    keep, since = tonumber(ARGV[at + 1]), key
    at = at + 3
  elseif letter == D then
    local n = call('LPUSH', key, listed)
    -- Trimmed in batches: once over half as many again as kept, back to `keep`, the latest
    -- completion time trimmed kept beside it.
    if n > keep + keep / 2 then
      local name = string.sub(key, select(2, string.find(key, '}:done-list:', 1, true)) + 1)
      local latest = tonumber(call('HGET', since, name) or '0')
      for _, member in ipairs(call('LRANGE', key, keep, -1)) do
        local t = tonumber(string.match(member, '^%d+'))
        if t and t > latest then latest = t end
      end
      call('HSET', since, name, string.format('%.0f', latest))
      call('LTRIM', key, 0, keep - 1)
    end
  elseif letter == X or letter == Y then
    local maxlen = ''
    if letter == Y then maxlen, at = ARGV[at], at + 1 end
    local value = ARGV[at]
    local t = call('TIME')
    local now = t[1] .. string.rep('0', 6 - #t[2]) .. t[2] .. '-*'
    if not xadd(redis.pcall, key, maxlen, now, value) then
      -- The stream's last id is later than now (the clock went back): the next one after it.
      xadd(call, key, maxlen, '*', value)
    end
    at = at + 1
  elseif letter == O then
    call('XADD', key, '*', 'k', ARGV[at], 'x', ARGV[at + 1], 'p', ARGV[at + 2])
    at = at + 3
  elseif letter == C then
    call('HSET', key, ARGV[at], id); at = at + 1
  else
    return redis.error_reply('commit: unknown operation ' .. tostring(letter))
  end
end
return {'ok', id, hash}
