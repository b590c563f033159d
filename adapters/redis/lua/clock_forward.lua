-- clock_forward: moves the development clock's offset forward, never back (DevClock). Nodes
-- that advance at the same time end on the larger offset.
-- KEYS[1] <prefix>:clock (string: the offset in ms, decimal)
-- ARGV[1] the offset wanted
-- Returns the offset stored afterwards: ARGV[1], or the larger one already there.
local stored = redis.call('GET', KEYS[1])
if stored and tonumber(stored) >= tonumber(ARGV[1]) then return stored end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
