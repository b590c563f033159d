-- user_add: a new user, their profile, password (if any) and first token, all or nothing, with
-- the audit entry that records it; the epoch moves, as for any change to users. A name is taken for good: a revoked user keeps it.
-- KEYS[1] the user names (set)   KEYS[2] the user (hash)   KEYS[3] the token (string)
-- KEYS[4] the audit (stream)   KEYS[5] the epoch (string)   KEYS[6] the changes (stream)
-- ARGV[1] name   ARGV[2] roles, sorted, separated by spaces   ARGV[3] created_at (ms)
-- ARGV[4] the token's SHA-256 (hex)   ARGV[5] the profile (JSON)   ARGV[6] the password's hash
-- ('' for none)   ARGV[7] the audit entry (JSON)
-- Returns 'ok' | 'conflict' (the name exists: nothing changes)
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 'conflict'
end
redis.call('HSET', KEYS[2], 'name', ARGV[1], 'roles', ARGV[2], 'created_at', ARGV[3],
           'revoked', '0', 'tokens', ARGV[4], 'profile', ARGV[5], 'password', ARGV[6],
           'sessions', '')
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], '*', 'e', ARGV[7])
-- Servers read the organisation again (a new dean of a unit changes where its tasks go).
local epoch = redis.call('INCR', KEYS[5])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', '100', '*', 'epoch', epoch)
return 'ok'
