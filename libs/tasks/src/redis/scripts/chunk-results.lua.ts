// Lua scripts of ChunkResultsStore (registered in redis-scripts.ts as chunkPlan, chunkRecord and
// chunkProgress).
//
// Every script below changes a task's chunk state only while its record exists and is still
// `requested` or `received`: a job bull delivers again after its task finished, errored or expired
// (at-least-once delivery, a lost completion write, an expired lock) changes nothing. The status
// check and the change are one script, so a task cannot end between them.
//
// A change of progress is published on the task's events channel (the last ARGV) in the same step,
// with the record's next `eventSeq`, so SSE listeners in any api process see every step.
const OPEN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'requested' and status ~= 'received' then return -2 end`;

// KEYS: record. ARGV: chunk bytes, file size. The first plan fixes the split; a plan job that runs
// again (even under another CHUNK_BYTES) gets the first one back, so every chunk job of a task
// covers the same ranges. A pipelined upload fixed `chunkBytes` when it queued its first chunk: the
// count is that of the stored split, computed here from it (exact integer steps, sizes < 2^53).
// Returns the task's chunk bytes, -1 when the record is gone, -2 when ended.
export const PLAN = `${OPEN}
redis.call('HSETNX', KEYS[1], 'chunkBytes', ARGV[1])
local bytes = tonumber(redis.call('HGET', KEYS[1], 'chunkBytes'))
local size = tonumber(ARGV[2])
local n = math.floor(size / bytes)
if n * bytes > size then n = n - 1 end
if n * bytes < size then n = n + 1 end
redis.call('HSETNX', KEYS[1], 'chunksTotal', n)
redis.call('HSETNX', KEYS[1], 'chunksDone', 0)
redis.call('HSETNX', KEYS[1], 'bytesDone', 0)
return bytes`;

const PUBLISH_PROGRESS = `
local function publishProgress(channel)
  local seq = redis.call('HINCRBY', KEYS[1], 'eventSeq', 1)
  local p = redis.call('HMGET', KEYS[1], 'bytesDone', 'bytes', 'chunksDone', 'chunksTotal',
    'bytesReceived')
  redis.call('PUBLISH', channel, cjson.encode({seq = seq, type = 'progress',
    bytesDone = tonumber(p[1]) or 0, bytesTotal = tonumber(p[2]) or 0,
    chunksDone = tonumber(p[3]) or 0, chunksTotal = tonumber(p[4]) or 0,
    bytesReceived = tonumber(p[5]) or tonumber(p[2]) or 0, bytesScanned = tonumber(p[1]) or 0}))
end`;

// KEYS: record, results, progress. ARGV: index, outcome JSON, chunk bytes, events channel.
// HSETNX makes a chunk count once however often bull runs it. Returns 2 when the results now hold
// every chunk of the plan and this call stored its outcome, 1 when they hold every chunk but the
// outcome stored for this index is an earlier delivery's (whoever sees either combines; a combiner
// that died is replaced by the retry of its own job), 0 when some are missing, -1/-2 as OPEN; an
// index outside the plan is an error. A pipelined upload queues chunks before the plan exists (no
// `chunksTotal` until the body has ended and is stored): they are recorded (any index >= 0, as
// `chunkBytes` is fixed) and never complete the task: without `chunksTotal` this returns 0.
export const RECORD_CHUNK = `${OPEN}${PUBLISH_PROGRESS}
local total = tonumber(redis.call('HGET', KEYS[1], 'chunksTotal'))
local index = tonumber(ARGV[1])
if not total and not redis.call('HGET', KEYS[1], 'chunkBytes') then
  return redis.error_reply('chunk ' .. ARGV[1] .. ' of a task without a split')
end
if index < 0 or (total and index >= total) then
  return redis.error_reply('chunk ' .. ARGV[1] .. ' is outside the plan of ' .. tostring(total))
end
local stored = 0
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  stored = 1
  redis.call('HINCRBY', KEYS[1], 'chunksDone', 1)
  local before = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'bytesDone', tonumber(ARGV[3]) - before)
  publishProgress(ARGV[4])
end
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl); redis.call('EXPIRE', KEYS[3], ttl) end
if total and redis.call('HLEN', KEYS[2]) == total then return 1 + stored end
return 0`;

// KEYS: record, results, progress. ARGV: index, bytes so far, events channel. Progress of an unfinished chunk;
// replacing (not adding) the chunk's figure keeps a rerun from counting its bytes twice, and a
// late report (its chunk recorded, or its task ended) changes nothing. Returns 1 when counted.
export const CHUNK_PROGRESS = `${OPEN}${PUBLISH_PROGRESS}
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
local before = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'bytesDone', tonumber(ARGV[2]) - before)
publishProgress(ARGV[3])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[3], ttl) end
return 1`;
