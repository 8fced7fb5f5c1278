--[[
  Add a new workflow to its owner's index of live workflows, unless the owner already has `limit`
  there: the check and the add are one step, so concurrent creates cannot pass the limit together
  (SPEC §6.12, 20 live workflows per user).

  KEYS[1]  the owner's index (sorted set: sessionId scored by creation time)
  ARGV[1]  limit
  ARGV[2]  score (creation time, ms)
  ARGV[3]  sessionId

  Returns -1 when added; otherwise the number of entries found (nothing is written).
]]
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[1]) then
  return count
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return -1
