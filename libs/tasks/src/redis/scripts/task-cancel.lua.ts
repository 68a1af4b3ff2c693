// Lua script of TaskStore.cancel (registered in redis-scripts.ts as taskCancel).
//
// A client ends its own task in one step, so every later step of the task sees it ended: the plan,
// chunk and combine scripts write only while the status is `requested` or `received`
// (chunk-results.lua.ts, task-record.lua.ts), and a randomize job's finish is refused, so nothing
// written by a job that started before the cancel survives it. The client's quota is released in
// the same step: a second DELETE, or a finish racing the cancel, finds the status moved on and
// releases nothing more (the releases are ZREM/HDEL, which count once anyway).
//
// KEYS: 1 record, 2 chunk results, 3 chunk progress, then the client's usage keys in
// redisKeys.clientUsage order: 4 pending, 5 stored, 6 sizes, 7 uploads; 8 the client's task index;
// 9 the task's events channel (pub/sub); 10 the webhooks due set (a cancelled task with a
// callbackUrl is added to it in the same step, as task-record.lua.ts does for the other ends).
// ARGV: 1 token, 2 client, 3 now (epoch ms).
// Returns {code, chunksTotal}: 0 no such task of this client; 1 cancelled now (the caller removes
// its jobs and blobs); 2 already cancelled; 3 it had ended (finished or errored) and is deleted
// now, record, chunk results and index entry (the caller deletes its blobs).
export const CANCEL = `
if redis.call('HGET', KEYS[1], 'client') ~= ARGV[2] then return {0, 0} end
local status = redis.call('HGET', KEYS[1], 'status')
local total = tonumber(redis.call('HGET', KEYS[1], 'chunksTotal') or '0')
local function release()
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('ZREM', KEYS[5], ARGV[1])
  redis.call('HDEL', KEYS[6], ARGV[1])
  redis.call('ZREM', KEYS[7], ARGV[1])
end
if status == 'cancelled' then return {2, total} end
redis.call('DEL', KEYS[2], KEYS[3])
release()
if status == 'requested' or status == 'received' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'cancelledAt', ARGV[3])
  -- As taskUpdate does for every status change: event streams and long-polls hear it at once.
  local seq = redis.call('HINCRBY', KEYS[1], 'eventSeq', 1)
  redis.call('PUBLISH', KEYS[9], cjson.encode({seq = seq, type = 'status', status = 'cancelled'}))
  if redis.call('HEXISTS', KEYS[1], 'callbackUrl') == 1 then
    redis.call('ZADD', KEYS[10], 'NX', ARGV[3], ARGV[1])
  end
  return {1, total}
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[8], ARGV[1])
return {3, total}`;
