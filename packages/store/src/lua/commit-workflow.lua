--[[
  Commit one transition of a workflow atomically: compare-and-set the draft document, set each
  step's status key, append the transition's audit entries (SPEC §6.11), append its events to the workflow's durable log (a Stream),
  and publish each logged event for the gateways' relays.

  KEYS[1]   workflow:draft:{sid}          the draft JSON; its text starts with {"version":N,
  KEYS[2]   workflow:{sid}:events         the event stream
  KEYS[3]   workflow:{sid}:audit          the audit log (a list, appended to only)
  KEYS[4..] workflow:{sid}:step:{id}:status, one per step, aligned with the statuses in ARGV

  ARGV[1] expected current version ("-1": the draft must not exist yet), or "append": leave the
          draft and step keys untouched and only log + publish the events (the draft must exist);
          used for progress reports, which change no state a decision depends on
  ARGV[2] new draft JSON (must start with {"version":<new>,); ignored with "append"
  ARGV[3] ttl in seconds for every key written
  ARGV[4] pub/sub channel
  ARGV[5] relay head: the JSON text of the relay message up to (not including) its envelope value,
          e.g. {"v":1,"userId":"u1","envelope":
  ARGV[6] n, the number of events
  ARGV[7 .. 6+n]    event envelopes as JSON objects without eventId
  ARGV[7+n]         m, the number of audit entries (0 with "append")
  ARGV[8+n .. 7+n+m]  audit entries, appended to KEYS[3] in order
  ARGV[8+n+m .. ]   step statuses, aligned with KEYS[4..]

  Event ids are stream ids "<ms>-0" with ms = max(now, last + 1): strictly increasing, equal in
  width for the next few centuries, so they compare the same as strings and as numbers.

  Returns: { 1, id1, id2, ... } on success; { 0, currentVersion } on a version mismatch
  (currentVersion is -1 when the draft does not exist). Nothing is written on a mismatch.
]]
local ttl = tonumber(ARGV[3])
local n = tonumber(ARGV[6])

if ARGV[1] == 'append' then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    return { 0, -1 }
  end
else
  local current = redis.call('GET', KEYS[1])
  local currentVersion = -1
  if current then
    currentVersion = tonumber(string.match(current, '^{"version":(%d+)'))
  end
  if currentVersion ~= tonumber(ARGV[1]) then
    return { 0, currentVersion }
  end
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
  local m = tonumber(ARGV[7 + n])
  for i = 1, m do
    redis.call('RPUSH', KEYS[3], ARGV[7 + n + i])
  end
  -- Refreshed with every draft write (a reminder's too), so the log never expires before its draft.
  redis.call('EXPIRE', KEYS[3], ttl)
  for i = 4, #KEYS do
    redis.call('SET', KEYS[i], ARGV[7 + n + m + (i - 3)], 'EX', ttl)
  end
end

local result = { 1 }
if n > 0 then
  local lastMs = 0
  local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if top[1] then
    lastMs = tonumber(string.match(top[1][1], '^(%d+)-'))
  end
  local t = redis.call('TIME')
  local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  for i = 1, n do
    local ms = math.max(nowMs, lastMs + 1)
    lastMs = ms
    local id = string.format('%d-0', ms)
    local envelope = '{"eventId":"' .. id .. '",' .. string.sub(ARGV[6 + i], 2)
    redis.call('XADD', KEYS[2], id, 'e', envelope)
    redis.call('PUBLISH', ARGV[4], ARGV[5] .. envelope .. '}')
    result[#result + 1] = id
  end
end
redis.call('EXPIRE', KEYS[2], ttl)
return result
