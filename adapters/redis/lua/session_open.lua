-- session_open: a session for a user who is not revoked. The session key holds the user's name
-- and the absolute end of the session; its TTL is the idle lifetime, renewed as it is used.
-- The user's record lists their sessions' digests (those that expired are dropped here) so that
-- a new password or a revoke can end them all.
-- KEYS[1] the user (hash)   KEYS[2] the session (string)
-- ARGV[1] the session key prefix   ARGV[2] the session's SHA-256 (hex)
-- ARGV[3] the value: '<name> <absolute end, ms>'   ARGV[4] the idle lifetime (ms)
-- Returns 'ok' | 'missing' | 'revoked' (nothing changes)
local user = redis.call('HMGET', KEYS[1], 'revoked', 'sessions')
if not user[1] then return 'missing' end
if user[1] ~= '0' then return 'revoked' end
local live = {}
for digest in string.gmatch(user[2] or '', '%x+') do
  if redis.call('EXISTS', ARGV[1] .. digest) == 1 then live[#live + 1] = digest end
end
live[#live + 1] = ARGV[2]
redis.call('HSET', KEYS[1], 'sessions', table.concat(live, ' '))
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
return 'ok'
