--[[
  Compare-and-set on a whole string value: write ARGV[2] to KEYS[1] only if its current text is
  exactly ARGV[1] ('' standing for "no value"). Used where a read-merge-write must not lose a
  concurrent writer's change (an operator's permissions update).

  KEYS[1]  the key
  ARGV[1]  the text read before (or '' when the key did not exist)
  ARGV[2]  the new text

  Returns 1 when written, 0 when the value changed meanwhile (nothing written).
]]
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
