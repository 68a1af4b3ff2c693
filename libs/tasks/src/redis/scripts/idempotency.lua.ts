// Lua scripts of the api's idempotent submissions (registered in redis-scripts.ts as idemClaim,
// idemComplete and idemRelease). KEYS[1] is a client's Idempotency-Key hash (redisKeys.idempotency):
// `state` (pending while the first submission uploads, done once it made a task), `fingerprint`
// (kind and parameters), `token`, and once done `digest` and `bytes` of the body.
//
// The claim is one step, so of any number of concurrent requests with one key (in any number of api
// processes) exactly one is `claimed` and goes on to make a task; the others see `pending`.

// ARGV: fingerprint, token, lease ms. Replies {'claimed'}, {'mismatch'}, {'pending', ms left},
// or {'done', token, digest, bytes}.
export const IDEM_CLAIM = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  redis.call('HSET', KEYS[1], 'state', 'pending', 'fingerprint', ARGV[1], 'token', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'claimed'}
end
if redis.call('HGET', KEYS[1], 'fingerprint') ~= ARGV[1] then return {'mismatch'} end
if state == 'pending' then return {'pending', tostring(redis.call('PTTL', KEYS[1]))} end
local done = redis.call('HMGET', KEYS[1], 'token', 'digest', 'bytes')
return {'done', done[1], done[2], done[3]}`;

// ARGV: token, lease ms. Renews a pending claim while its upload's bytes flow (a crashed api's
// claim lapses after one lease, so the client's retry can go on). 1 renewed, 0 not ours.
export const IDEM_RENEW = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// ARGV: token, digest, bytes, ttl seconds. The first submission made its task: replays answer its
// token until the key expires (with the task). 1 done, 0 not ours any more (lapsed, reclaimed).
export const IDEM_COMPLETE = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'digest', ARGV[2], 'bytes', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

// ARGV: token. The first submission failed or was aborted: frees the key for a retry, unless
// another request holds it by now. 1 released.
export const IDEM_RELEASE = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('DEL', KEYS[1])
return 1`;
