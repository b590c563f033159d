-- user_revoke: revokes a user and deletes every token and session of theirs at once, records
-- it in the audit, and bumps the epoch that tells servers to drop what they cached, telling
-- them at once: the new epoch is appended to the changes stream that every server blocks on
-- (XREAD), trimmed to about 100 entries.
-- KEYS[1] the user (hash)   KEYS[2] the epoch (string)   KEYS[3] the changes (stream)
-- KEYS[4] the audit (stream)
-- ARGV[1] the token key prefix, '<prefix>:{u}:token:'   ARGV[2] the session key prefix
-- ARGV[3] the audit entry (JSON)
-- It deletes keys it does not declare (their names are in the user's record); they carry the
-- tag {u}, so they are in KEYS[1]'s slot, which Redis allows for a script without flags.
-- Returns 'ok' | 'already' (revoked before: nothing changes) | 'missing'
local user = redis.call('HMGET', KEYS[1], 'revoked', 'tokens', 'sessions')
if not user[1] then return 'missing' end
if user[1] ~= '0' then return 'already' end
for digest in string.gmatch(user[2] or '', '%x+') do
  redis.call('DEL', ARGV[1] .. digest)
end
for digest in string.gmatch(user[3] or '', '%x+') do
  redis.call('DEL', ARGV[2] .. digest)
end
redis.call('HSET', KEYS[1], 'revoked', '1', 'tokens', '', 'sessions', '')
local epoch = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100', '*', 'epoch', epoch)
redis.call('XADD', KEYS[4], '*', 'e', ARGV[3])
return 'ok'
