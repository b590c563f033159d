-- feed_add: adds an entry to a shard's feed outside a commit (a notification, once delivered),
-- with the id commit.lua gives ("<Redis time in microseconds>-<n>"), so that it takes its place
-- in the order of commits across shards.
-- KEYS[1] the feed   ARGV[1] its length to trim to, about   ARGV[2] the entry
-- Returns the entry's id.
local t = redis.call('TIME')
local now = t[1] .. string.rep('0', 6 - #t[2]) .. t[2] .. '-*'
local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], now, 'e', ARGV[2])
if type(added) == 'table' and added.err then
  -- The stream's last id is later than now (the clock went back): the next one after it.
  added = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
end
return added
