--[[
  Keep one workflow's entry in a role's index of workflows waiting for its second approval
  (SPEC §6.10), ordered by the workflow's version so that processes committing one after another
  cannot undo each other out of order: an entry is added (or its version raised), or removed
  unless the index already holds a newer version of it. A stale add landing after a newer removal
  leaves an entry readers check against the draft and drop; a removal can never hide a newer add.

  KEYS[1]  approvals:{role:<name>}:awaiting  (a sorted set: member = sessionId, score = version)
  ARGV[1]  sessionId
  ARGV[2]  the version the caller saw
  ARGV[3]  '1': waits for the role at that version; '0': does not
  ARGV[4]  ttl in seconds for the index (refreshed with every write: an idle role's index goes)

  Returns 1 when applied, 0 when the index held a newer version (nothing written).
]]
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
else
  local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if current and tonumber(current) > tonumber(ARGV[2]) then
    return 0
  end
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
