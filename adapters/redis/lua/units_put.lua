-- units_put: replaces the organisation's units (or the office calendar: the same for any
-- setting of the {u} slot), records it in the audit and bumps the epoch (and the changes
-- stream) so that servers read them again.
-- KEYS[1] the units (string)   KEYS[2] the epoch (string)   KEYS[3] the changes (stream)
-- KEYS[4] the audit (stream)
-- ARGV[1] the units (JSON)   ARGV[2] the audit entry (JSON)
-- Returns 'ok'
redis.call('SET', KEYS[1], ARGV[1])
local epoch = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100', '*', 'epoch', epoch)
redis.call('XADD', KEYS[4], '*', 'e', ARGV[2])
return 'ok'
