-- notice_read: marks one notice, or all, of one person read (docs/redis-layout.md, "Notices").
-- KEYS[1] items   KEYS[2] unread   (notice_add's)
-- ARGV[1] the notice's id; '': all of them
-- Returns how many were unread, or -1 when the person has no notice of that id.
local items, unread = KEYS[1], KEYS[2]
if ARGV[1] == '' then
  local n = redis.call('SCARD', unread)
  redis.call('DEL', unread)
  return n
end
if redis.call('HEXISTS', items, ARGV[1]) == 0 then return -1 end
return redis.call('SREM', unread, ARGV[1])
