--[[
  Keep one workflow's entry in a role's index of workflows waiting for its second approval
  (SPEC §6.10). The index lists them newest first (score: when the workflow was created); a hash
  beside it holds the version each entry was written at, so that processes committing one after
  another cannot undo each other out of order: a removal is refused while the entry is newer than
  the removal's version, so it can never hide a newer add. (An older add landing after a newer
  removal leaves a stale entry; readers check entries against their drafts and remove them.) The
  hash holds a field only for an entry in the index.

  KEYS[1]  approvals:{role:<name>}:awaiting           sorted set: member sessionId, score createdAt
  KEYS[2]  approvals:{role:<name>}:awaiting:versions  hash: sessionId -> version
  ARGV[1]  sessionId
  ARGV[2]  the version the caller saw
  ARGV[3]  '1': waits for the role at that version; '0': does not
  ARGV[4]  the workflow's createdAt (ms; used when adding)
  ARGV[5]  ttl in seconds for both keys (refreshed with every write: an idle role's index goes)

  Returns 1 when applied, 0 when the index held a newer version (nothing written).
]]
local known = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
local version = tonumber(ARGV[2])
if ARGV[3] == '1' then
  if version > known then
    redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  end
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
else
  if known > version then
    return 0
  end
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
