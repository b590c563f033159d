-- user_change: changes fields of a user who is not revoked (profile, roles, password), ending
-- every session of theirs if asked (a new password), records it in the audit and bumps the
-- epoch (and the changes stream) so that servers drop what they cached of users.
-- KEYS[1] the user (hash)   KEYS[2] the epoch (string)   KEYS[3] the changes (stream)
-- KEYS[4] the audit (stream)
-- ARGV[1] the session key prefix   ARGV[2] the audit entry (JSON)   ARGV[3] '1': end sessions
-- ARGV[4], ARGV[5], ...: field, value pairs to set
-- Returns 'ok' | 'missing' | 'revoked' (nothing changes)
local user = redis.call('HMGET', KEYS[1], 'revoked', 'sessions')
if not user[1] then return 'missing' end
if user[1] ~= '0' then return 'revoked' end
if ARGV[3] == '1' then
  for digest in string.gmatch(user[2] or '', '%x+') do
    redis.call('DEL', ARGV[1] .. digest)
  end
  redis.call('HSET', KEYS[1], 'sessions', '')
end
if #ARGV > 3 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 4))
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100', '*', 'epoch', epoch)
redis.call('XADD', KEYS[4], '*', 'e', ARGV[2])
return 'ok'
