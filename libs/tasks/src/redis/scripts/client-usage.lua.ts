// Lua scripts of ClientUsageStore (registered in redis-scripts.ts as clientReserve, clientHold,
// clientSettle). Each runs atomically in Redis, so two api replicas (or two requests of one) never
// both see the same remaining quota: the check against the caps and the reservation are one step.
//
// KEYS, for every script: 1 pending zset (token → expiry), 2 stored zset (token → expiry),
// 3 sizes hash (token → bytes reserved), 4 uploads zset (token → lease expiry of an open upload).
// ARGV[1] is the token, ARGV[2] now (epoch ms).
//
// Entries past their expiry are dropped first, so a crashed api or worker, an expired task or an
// abandoned upload cannot hold a client's quota forever. Each key expires with its latest entry
// (PEXPIREAT its highest score): a key outlives no entry, and nothing of a client outlives its last
// task's RESULT_TTL_SECONDS, even after an upload's longer lease was converted into the task.

const SWEEP = `
local now = tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, token in ipairs(expired) do redis.call('HDEL', KEYS[3], token) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local function expire_with_last(key, scored)
  local last = redis.call('ZRANGE', scored, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', key, math.ceil(tonumber(last[2]))) end
end
local function keep()
  for _, i in ipairs({1, 2, 4}) do expire_with_last(KEYS[i], KEYS[i]) end
  expire_with_last(KEYS[3], KEYS[2])
end
local function used_by_others(token)
  local used = 0
  for _, size in ipairs(redis.call('HVALS', KEYS[3])) do used = used + tonumber(size) end
  return used - tonumber(redis.call('HGET', KEYS[3], token) or '0')
end
local function pending_full(token, max)
  return redis.call('ZSCORE', KEYS[1], token) == false and redis.call('ZCARD', KEYS[1]) >= max
end
`;

/**
 * ARGV: token, now, expires at, bytes, max pending, max bytes. Counts a task (or a direct-upload
 * session) as pending with `bytes` stored until `expires at`. The token's own earlier reservation
 * (its open upload or session) is replaced, not added to: submitting an uploaded file converts it.
 * Returns 0 when reserved, 1 over the pending cap, 2 over the byte cap (nothing changed then).
 * Defines reserve() (and runs the sweep), so a longer script (submit-task.lua.ts) can reserve first.
 */
export const RESERVE = `${SWEEP}
local function reserve()
  local token, expires, bytes = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
  if pending_full(token, tonumber(ARGV[5])) then return 1 end
  if used_by_others(token) + bytes > tonumber(ARGV[6]) then return 2 end
  redis.call('ZADD', KEYS[1], expires, token)
  redis.call('ZADD', KEYS[2], expires, token)
  redis.call('HSET', KEYS[3], token, bytes)
  redis.call('ZREM', KEYS[4], token)
  keep()
  return 0
end
`;

/** RESERVE as a script of its own (clientReserve): its reply is reserve()'s. */
export const RESERVE_ONLY = `${RESERVE}
return reserve()`;

/**
 * ARGV: token, now, lease until, need, want, max uploads, max pending, max bytes. Opens or renews a
 * streamed upload: one of the client's upload slots and a pending slot until `lease until`, and at
 * least `need` bytes (up to `want`, as far as the quota allows, so a chunked body need not ask for
 * every piece). Returns {0, bytes granted}, or {1|2|3, 0}: over the pending cap, the byte cap, the
 * concurrent-upload cap (nothing changed then).
 */
export const HOLD = `${SWEEP}
local token, lease, need, want = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('ZSCORE', KEYS[4], token) == false and redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[6]) then
  return {3, 0}
end
if pending_full(token, tonumber(ARGV[7])) then return {1, 0} end
local granted = tonumber(redis.call('HGET', KEYS[3], token) or '-1')
if granted < need then
  local room = tonumber(ARGV[8]) - used_by_others(token)
  if room < need then return {2, 0} end
  granted = math.min(want, room)
end
redis.call('HSET', KEYS[3], token, granted)
redis.call('ZADD', KEYS[1], lease, token)
redis.call('ZADD', KEYS[2], lease, token)
redis.call('ZADD', KEYS[4], lease, token)
keep()
return {0, granted}`;

/**
 * ARGV: token, now, bytes. Sets a live reservation to what the task really stores (a randomize
 * result smaller than its bound). Absolute, so a job that runs twice sets the same value; a
 * reservation already gone (expired, cancelled) is not brought back. Returns 1 when set.
 */
export const SETTLE = `
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return 1`;
