-- claim_due: hands out due timers of one shard to the caller for a lease. A claimed timer's
-- score moves to the end of the lease: if the claimant dies before its commit removes the
-- timer, the timer is due again then, for any node. Exactly-once firing does not rest on the
-- lease but on the instance's revision check: the lease only keeps nodes from doing it twice.
-- The lease's end is written with half a millisecond added: due times are whole milliseconds,
-- so a reader tells a claimed entry from a due time (next_timer.lua, for the DevClock).
-- KEYS[1] the shard's timers (score: due time, ms)
-- ARGV[1] now (ms)   ARGV[2] lease (ms)   ARGV[3] at most this many
-- Returns {timer id, due, ...} with the scores they had.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[3])
local until_ = string.format('%.1f', tonumber(ARGV[1]) + tonumber(ARGV[2]) + 0.5)
for i = 1, #due, 2 do
  redis.call('ZADD', KEYS[1], until_, due[i])
end
return due
