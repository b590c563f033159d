-- put_definition: stores a definition version once; the same body again is a no-op, another
-- body under a stored version is refused.
-- KEYS[1] names (set)   KEYS[2] the workflow's versions (hash: version -> source)
-- KEYS[3] latest (hash: name -> highest version)
-- ARGV[1] name   ARGV[2] version   ARGV[3] source
-- Returns 'stored' | 'same' | 'conflict'
local prior = redis.call('HGET', KEYS[2], ARGV[2])
if prior then
  if prior == ARGV[3] then return 'same' end
  return 'conflict'
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[1], ARGV[1])
local latest = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if tonumber(ARGV[2]) > latest then redis.call('HSET', KEYS[3], ARGV[1], ARGV[2]) end
return 'stored'
