-- timer_index: sets an instance's entry in its shard's timer set (score: its earliest pending
-- timer) from what the caller read, unless the instance changed since (each commit keeps the
-- entry itself; this mends one that a claim left pointing at nothing due).
-- KEYS[1] instance   KEYS[2] the shard's timers
-- ARGV[1] the revision read (0: the instance is gone)   ARGV[2] instance id
-- ARGV[3] score, or '' for no entry
-- Returns 1 if it wrote, 0 if the instance had moved on.
local prefix = redis.call('GETRANGE', KEYS[1], 0, 20)
local revision = 0
if prefix ~= '' then revision = tonumber(string.sub(prefix, 1, string.find(prefix, ' ', 1, true) - 1)) end
if revision ~= tonumber(ARGV[1]) then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[2])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
end
return 1
