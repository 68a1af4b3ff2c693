// Lua scripts of FairScheduler (registered in redis-scripts.ts as fairReserve and fairAdvance).
// KEYS[1], for both: the fair-queue hash (redisKeys.fair).

// The one step that must be atomic across processes: a client's new units take the virtual-time
// range [S, S + total) with S = max(V[queue], F[queue, client]) (start-time fair queuing), and
// F[queue, client] moves to its end; two api replicas tagging the same client at once must not both
// start at the same S. tagUnits (unit-tested) spreads the range over the units. Tags are whole
// numbers. ARGV[1] = the client's F field, ARGV[2] = total cost, ARGV[3] = the queue's V field.
// Returns V and the client's F as they were before.
// fair_reserve(key, finish field, total, virtual field) is the step; RESERVE runs it alone, and
// submit-task.lua.ts after a quota reservation.
export const FAIR_RESERVE_FUNCTION = `
local function fair_reserve(key, finish_field, total, virtual_field)
  local virtual = tonumber(redis.call('HGET', key, virtual_field) or '0')
  local finish = tonumber(redis.call('HGET', key, finish_field) or '0')
  redis.call('HSET', key, finish_field, math.max(virtual, finish) + tonumber(total))
  return {tostring(virtual), tostring(finish)}
end
`;

export const RESERVE = `${FAIR_RESERVE_FUNCTION}
return fair_reserve(KEYS[1], ARGV[1], ARGV[2], ARGV[3])`;

// V only moves forward, whichever of several workers reports its started unit last:
// ARGV[1] = the started unit's tag, ARGV[2] = the queue's V field.
export const ADVANCE = `
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0') then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[1])
end
return 1`;
