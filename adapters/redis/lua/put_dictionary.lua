-- put_dictionary: the compression dictionary of a definition version. The first one stored
-- for the version stays; whoever comes later adopts it (docs/redis-layout.md).
-- KEYS[1] dictionaries (hash: ID -> bytes)   KEYS[2] versions' dictionaries (hash: field -> ID)
-- ARGV[1] "<workflow> <version>"   ARGV[2] the ID   ARGV[3] the bytes ('' and '': only read)
-- Returns {ID, bytes} of the version's dictionary | {} (none, and none given)
--       | {'collision'} (another dictionary has that ID: none is stored)
local id = redis.call('HGET', KEYS[2], ARGV[1])
if id then return {id, redis.call('HGET', KEYS[1], id)} end
if ARGV[2] == '' then return {} end
local other = redis.call('HGET', KEYS[1], ARGV[2])
if other and other ~= ARGV[3] then return {'collision'} end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return {ARGV[2], ARGV[3]}
