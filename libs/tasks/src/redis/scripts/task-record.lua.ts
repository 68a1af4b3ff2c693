// Lua script of TaskStore (registered in redis-scripts.ts as taskUpdate and, with the chunk results
// hash as a third key, taskUpdateIfAllChunksIn). KEYS[2] is the webhooks due set.
//
// Writes only to an existing record: a late write after expiry must not resurrect a key with no TTL.
// ARGV[1] = the task's events channel, ARGV[2] = allowed current statuses (",a,b," or "" = any),
// then field/value pairs. With a second key (a task's chunk results hash), writes only when that
// hash holds exactly `chunksTotal` results: the status check and the fan-in check are one step, so
// no interleaving of chunk jobs, however often bull delivers them, can end a task before every
// chunk is in.
// A write that changes the status publishes it on the channel in the same step (with the record's
// next `eventSeq`): a listener that reads the record and then hears messages with a higher seq
// misses no transition, and no api process can see a transition without its message following.
// A write that ends the task (finished, errored) of a record with a callbackUrl adds its token to
// the due set in the same step: no crash between the end and the enqueue can lose the callback,
// and a second end is refused by the status check above, so it is added once.
// Returns 1 when written, 0 when the record is gone, -1 when its status is not allowed, -2 when
// chunks are missing.
export const UPDATE_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local before = redis.call('HGET', KEYS[1], 'status')
if ARGV[2] ~= '' then
  if not string.find(ARGV[2], ',' .. before .. ',', 1, true) then return -1 end
end
if KEYS[3] then
  local total = tonumber(redis.call('HGET', KEYS[1], 'chunksTotal'))
  if not total or redis.call('HLEN', KEYS[3]) ~= total then return -2 end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
local after = redis.call('HGET', KEYS[1], 'status')
if after ~= before then
  local seq = redis.call('HINCRBY', KEYS[1], 'eventSeq', 1)
  redis.call('PUBLISH', ARGV[1], cjson.encode({seq = seq, type = 'status', status = after}))
  if (after == 'finished' or after == 'errored') and redis.call('HEXISTS', KEYS[1], 'callbackUrl') == 1 then
    redis.call('ZADD', KEYS[2], 'NX', redis.call('HGET', KEYS[1], 'finishedAt') or 0, redis.call('HGET', KEYS[1], 'token'))
  end
end
return 1`;
