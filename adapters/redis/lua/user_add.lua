-- user_add: a new user and their first token, both or neither. A name is taken for good: a
-- revoked user keeps it.
-- KEYS[1] the user names (set)   KEYS[2] the user (hash)   KEYS[3] the token (string)
-- ARGV[1] name   ARGV[2] roles, sorted, separated by spaces   ARGV[3] created_at (ms)
-- ARGV[4] the token's SHA-256 (hex)
-- Returns 'ok' | 'conflict' (the name exists: nothing changes)
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 'conflict'
end
redis.call('HSET', KEYS[2], 'name', ARGV[1], 'roles', ARGV[2], 'created_at', ARGV[3],
           'revoked', '0', 'tokens', ARGV[4])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
return 'ok'
