// The Lua script of a submission (registered in redis-scripts.ts as taskSubmit): the client's quota
// reservation, the task record and the fair tag in one step, so a submission costs one round trip
// to Redis besides bull's add (which needs the tag's priority and lane, so it cannot come first).
//
// KEYS: 1-4 the client's usage keys (as client-usage.lua.ts), 5 the task record, 6 the fair hash,
// 7 the client's task index (as TaskStore.create).
// ARGV: 1 token, 2 now, 3 expires at, 4 bytes, 5 max pending, 6 max bytes (as RESERVE), 7 the
// record's TTL in seconds, 8 the client's finish field in the fair hash ('' = fairness off), 9 the
// units' total cost, 10 the queue's virtual-time field, 11… the record's field/value pairs.
//
// Nothing is written when a cap refuses: no record, no fair range taken. Returns {code, V, F}: the
// code as RESERVE's (0 reserved, 1 pending cap, 2 byte cap), V and F as fair_reserve's ('' when
// refused or fairness is off).
import { RESERVE } from './client-usage.lua';
import { FAIR_RESERVE_FUNCTION } from './fair-queue.lua';

export const SUBMIT = `${RESERVE}${FAIR_RESERVE_FUNCTION}
local code = reserve()
if code ~= 0 then return {code, '', ''} end
-- A pipelined upload's record exists already (written with its first chunk): the submitter
-- completes it with a guarded update, so that a task a chunk failed meanwhile is not reopened.
if redis.call('EXISTS', KEYS[5]) == 0 then
  redis.call('HSET', KEYS[5], unpack(ARGV, 11))
  redis.call('EXPIRE', KEYS[5], ARGV[7])
  -- The client's task index (GET /tasks) gets the token in the same step as its record.
  redis.call('ZADD', KEYS[7], redis.call('HGET', KEYS[5], 'requestedAt'), ARGV[1])
  redis.call('EXPIRE', KEYS[7], ARGV[7])
end
if ARGV[8] == '' then return {0, '', ''} end
local clock = fair_reserve(KEYS[6], ARGV[8], ARGV[9], ARGV[10])
return {0, clock[1], clock[2]}`;
