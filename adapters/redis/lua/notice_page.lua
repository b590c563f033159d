-- notice_page: a page of one person's notices, newest first (docs/redis-layout.md, "Notices").
-- KEYS[1] list   KEYS[2] items   KEYS[3] unread   (notice_add's)
-- ARGV[1] start below this time ('+inf': the newest)   ARGV[2] and at that time below this id
--   ('': all of it)   ARGV[3] how many   ARGV[4] '1': unread ones only
-- At most 2000 notices are looked at per call: an unread-only page may come back short, with
-- where to go on.
-- Returns {unread count, next time or '', next id, id, notice, read ('1'/'0'), ...}
local list, items, unread = KEYS[1], KEYS[2], KEYS[3]
local max, after, want, only_unread = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
local out = {redis.call('SCARD', unread), '', ''}
local taken, looked, offset = 0, 0, 0
local last_score, last_id
while taken < want and looked < 2000 do
  local chunk = redis.call('ZREVRANGEBYSCORE', list, max, '-inf', 'WITHSCORES', 'LIMIT',
                           offset, 200)
  if #chunk == 0 then return out end
  offset = offset + #chunk / 2
  for i = 1, #chunk, 2 do
    local id, score = chunk[i], chunk[i + 1]
    -- Ties are listed in reverse order of id: those at or after the cursor's were given.
    if not (score == max and after ~= '' and id >= after) then
      looked = looked + 1
      local is_unread = redis.call('SISMEMBER', unread, id) == 1
      if is_unread or not only_unread then
        local body = redis.call('HGET', items, id)
        if body then
          out[#out + 1] = id
          out[#out + 1] = body
          out[#out + 1] = is_unread and '0' or '1'
          taken = taken + 1
        end
      end
      last_score, last_id = score, id
      if taken == want or looked == 2000 then break end
    end
  end
end
-- More follow when a notice is older than the last one looked at, or as old with a lower id.
if last_score then
  local more = #redis.call('ZREVRANGEBYSCORE', list, '(' .. last_score, '-inf', 'LIMIT', 0, 1) > 0
  if not more then
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', list, last_score, last_score)) do
      if id < last_id then more = true end
    end
  end
  if more then out[2], out[3] = last_score, last_id end
end
return out
