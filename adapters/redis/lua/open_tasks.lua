-- open_tasks: a page of one shard's task index with each task's instance, in one round trip.
-- KEYS[1] the index (role or assignee; score: due time, members: task ids)
-- ARGV[1] min score (inclusive, or "(x" exclusive)   ARGV[2] count
-- ARGV[3] the shard's instance key prefix
-- Returns {task id, score, stored instance or false, ...}
local page = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local out = {}
for i = 1, #page, 2 do
  local task = page[i]
  local instance = string.match(task, '^(.*)%.[^.]*$') or task
  out[#out + 1] = task
  out[#out + 1] = page[i + 1]
  out[#out + 1] = redis.call('GET', ARGV[3] .. instance)
end
return out
