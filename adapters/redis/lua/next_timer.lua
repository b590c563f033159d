-- next_timer: what a clock that jumps needs to know of one shard's timers (DevClock): the
-- earliest entry that is a due time, and the entries held by a claim. A claimed entry's score
-- is its lease's end plus 0.5 (claim_due.lua); its instance has timers due at or before the
-- claim, not yet committed as fired.
-- KEYS[1] the shard's timers
-- ARGV[1] claims are looked for among the entries scored up to this
-- Returns {earliest id or false, its score or false, claimed id, score, ...}; an entry beyond
-- ARGV[1] is the earliest whether it is claimed or not.
local entries = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES')
local out = {false, false}
for i = 1, #entries, 2 do
  local score = tonumber(entries[i + 1])
  if score ~= math.floor(score) then
    out[#out + 1] = entries[i]
    out[#out + 1] = entries[i + 1]
  elseif not out[1] then
    out[1], out[2] = entries[i], entries[i + 1]
  end
end
if not out[1] then
  local after = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #after == 2 then out[1], out[2] = after[1], after[2] end
end
return out
