-- session_end: signs a session out, and bumps the epoch (and the changes stream) so that every
-- server drops it from what it cached at once.
-- KEYS[1] the session (string)   KEYS[2] the epoch (string)   KEYS[3] the changes (stream)
-- ARGV[1] the user key prefix   ARGV[2] the session's SHA-256 (hex)
-- Returns 'ok' | 'missing' (no such session, or it expired)
local value = redis.call('GET', KEYS[1])
if not value then return 'missing' end
redis.call('DEL', KEYS[1])
local name = string.match(value, '^(%S+)')
local user = ARGV[1] .. name
local sessions = redis.call('HGET', user, 'sessions')
if sessions then
  local kept = {}
  for digest in string.gmatch(sessions, '%x+') do
    if digest ~= ARGV[2] then kept[#kept + 1] = digest end
  end
  redis.call('HSET', user, 'sessions', table.concat(kept, ' '))
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100', '*', 'epoch', epoch)
return 'ok'
