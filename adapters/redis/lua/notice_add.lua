-- notice_add: puts a notice in one person's list, once (docs/redis-layout.md, "Notices").
-- Every key is the person's (one hash slot).
-- KEYS[1] list    sorted set: notice id scored by its time (ms)
-- KEYS[2] items   hash: notice id -> the notice (JSON)
-- KEYS[3] unread  set of notice ids
-- ARGV[1] id   ARGV[2] time (ms)   ARGV[3] the notice   ARGV[4] retention (ms)
-- Notices older than the retention before the newest go; the keys expire after it, so that a
-- person who gets none for that long keeps nothing.
-- Returns 1 when added, 0 when the person has it already.
local list, items, unread = KEYS[1], KEYS[2], KEYS[3]
if redis.call('HEXISTS', items, ARGV[1]) == 1 then return 0 end
redis.call('ZADD', list, ARGV[2], ARGV[1])
redis.call('HSET', items, ARGV[1], ARGV[3])
redis.call('SADD', unread, ARGV[1])
local keep = tonumber(ARGV[4])
local newest = redis.call('ZREVRANGE', list, 0, 0, 'WITHSCORES')
local cutoff = tonumber(newest[2]) - keep
local old = redis.call('ZRANGEBYSCORE', list, '-inf', '(' .. string.format('%.0f', cutoff),
                       'LIMIT', 0, 200)
if #old > 0 then
  redis.call('ZREM', list, unpack(old))
  redis.call('HDEL', items, unpack(old))
  redis.call('SREM', unread, unpack(old))
end
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, keep) end
return 1
