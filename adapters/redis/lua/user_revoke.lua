-- user_revoke: revokes a user and deletes every token of theirs at once, and bumps the epoch
-- that tells servers to drop the tokens they cached, and tells them at once: the new epoch is
-- appended to a stream that every server blocks on (XREAD), trimmed to about 100 entries.
-- KEYS[1] the user (hash)   KEYS[2] the epoch (string)   KEYS[3] the revocations (stream)
-- ARGV[1] the token key prefix, '<prefix>:{u}:token:'
-- It deletes token keys it does not declare (their names are in the user's record); they carry
-- the tag {u}, so they are in KEYS[1]'s slot, which Redis allows for a script without flags.
-- Returns 'ok' | 'already' (revoked before: nothing changes) | 'missing'
local user = redis.call('HMGET', KEYS[1], 'revoked', 'tokens')
if not user[1] then return 'missing' end
if user[1] ~= '0' then return 'already' end
for digest in string.gmatch(user[2] or '', '%x+') do
  redis.call('DEL', ARGV[1] .. digest)
end
redis.call('HSET', KEYS[1], 'revoked', '1', 'tokens', '')
local epoch = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100', '*', 'epoch', epoch)
return 'ok'
