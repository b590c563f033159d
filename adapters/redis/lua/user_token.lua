-- user_token: another token for a user who is not revoked; checked and written at once, so
-- that a revoke running at the same time cannot miss it.
-- KEYS[1] the user (hash)   KEYS[2] the token (string)
-- ARGV[1] name   ARGV[2] the token's SHA-256 (hex)
-- Returns {'ok', roles, created_at} | {'missing'} | {'revoked'} (nothing changes)
local user = redis.call('HMGET', KEYS[1], 'revoked', 'tokens', 'roles', 'created_at')
if not user[1] then return {'missing'} end
if user[1] ~= '0' then return {'revoked'} end
local tokens = user[2] or ''
if tokens ~= '' then tokens = tokens .. ' ' end
redis.call('HSET', KEYS[1], 'tokens', tokens .. ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
return {'ok', user[3], user[4]}
