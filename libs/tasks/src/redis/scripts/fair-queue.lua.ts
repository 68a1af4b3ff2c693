// Lua scripts of FairScheduler (registered in redis-scripts.ts as fairReserve and fairAdvance).
// KEYS[1], for both: the fair-queue hash (redisKeys.fair).

// The one step that must be atomic across processes: a client's new units take the virtual-time
// range [S, S + total) with S = max(V[queue], F[queue, client]) (start-time fair queuing), and
// F[queue, client] moves to its end; two api replicas tagging the same client at once must not both
// start at the same S. tagUnits (unit-tested) spreads the range over the units. Tags are whole
// numbers. ARGV[1] = the client's F field, ARGV[2] = total cost, ARGV[3] = the queue's V field.
// Returns V and the client's F as they were before.
export const RESERVE = `
local virtual = tonumber(redis.call('HGET', KEYS[1], ARGV[3]) or '0')
local finish = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
redis.call('HSET', KEYS[1], ARGV[1], math.max(virtual, finish) + tonumber(ARGV[2]))
return {tostring(virtual), tostring(finish)}`;

// V only moves forward, whichever of several workers reports its started unit last:
// ARGV[1] = the started unit's tag, ARGV[2] = the queue's V field.
export const ADVANCE = `
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0') then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[1])
end
return 1`;
