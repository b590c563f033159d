-- sign_in_failed: counts a failed sign-in against the name and against the address it came
-- from; each count lasts the window after the latest failure.
-- KEYS[1] the name's failures (hash)   KEYS[2] the address's failures (hash)
-- ARGV[1] now (ms)   ARGV[2] the window (ms)
-- Returns {failures of the name, failures of the address}
local counts = {}
for i = 1, 2 do
  counts[i] = redis.call('HINCRBY', KEYS[i], 'n', 1)
  redis.call('HSET', KEYS[i], 'last', ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return counts
