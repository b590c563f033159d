-- open_tasks: a page of one shard's task index with each task's instance, in one round trip.
-- KEYS[1] the index (role or assignee; score: due time, members: task ids)
-- ARGV[1] min score (inclusive)   ARGV[2] count   ARGV[3] the shard's instance key prefix
-- ARGV[4] optional: the task id the previous page ended on, at score ARGV[1]; the page starts
--         after it in (score, id) order, whether it is still in the index or not
-- Returns {task id, score, stored instance or false, ...}
local key, min, count, after = KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[4]
local page
if after == nil or after == '' then
  page = redis.call('ZRANGEBYSCORE', key, min, '+inf', 'WITHSCORES', 'LIMIT', 0, count)
else
  local rank = redis.call('ZRANK', key, after)
  if rank then
    page = redis.call('ZRANGE', key, rank + 1, rank + count, 'WITHSCORES')
  else
    -- Gone since: skip what sorts before it among the entries of its score.
    page = {}
    local floor, offset = tonumber(min), 0
    while #page < 2 * count do
      local batch = redis.call('ZRANGEBYSCORE', key, min, '+inf', 'WITHSCORES', 'LIMIT', offset, count)
      if #batch == 0 then break end
      for i = 1, #batch, 2 do
        if #page < 2 * count and (tonumber(batch[i + 1]) > floor or batch[i] > after) then
          page[#page + 1] = batch[i]
          page[#page + 1] = batch[i + 1]
        end
      end
      offset = offset + #batch / 2
    end
  end
end
local out = {}
for i = 1, #page, 2 do
  local task = page[i]
  local instance = string.match(task, '^(.*)%.[^.]*$') or task
  out[#out + 1] = task
  out[#out + 1] = page[i + 1]
  out[#out + 1] = redis.call('GET', ARGV[3] .. instance)
end
return out
