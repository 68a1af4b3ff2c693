import type Redis from 'ioredis';
import { CHUNK_PROGRESS, PLAN, RECORD_CHUNK } from './scripts/chunk-results.lua';
import { HOLD, RESERVE_ONLY, SETTLE } from './scripts/client-usage.lua';
import { ADVANCE, RESERVE as FAIR_RESERVE } from './scripts/fair-queue.lua';
import { SUBMIT } from './scripts/submit-task.lua';
import { IDEM_CLAIM, IDEM_COMPLETE, IDEM_RELEASE, IDEM_RENEW } from './scripts/idempotency.lua';
import { CANCEL } from './scripts/task-cancel.lua';
import { UPDATE_IF_EXISTS } from './scripts/task-record.lua';

// Bytes too: a field of millions of digits goes out as it is, never made a string (ioredis sends
// a Buffer argument as raw bytes).
type Arg = string | number | Buffer;

/**
 * Every Lua script of the service, as a typed method of the shared client (keys first, then
 * arguments). Each is a step that checks and changes state at once, so any number of api and worker
 * processes, and a job bull delivers twice, see one consistent order. The scripts, with their
 * KEYS/ARGV and replies, are in ./scripts; the keys come from redisKeys.
 */
export interface RedisScripts {
  /**
   * Sets field/value pairs on a task record only if it exists (a late write never resurrects an
   * expired record without TTL) and its status is in `allowed` (",a,b,"; "" = any), so a finished
   * task never goes back; a changed status is published on `channel`. 1 written, 0 gone, -1 status
   * not allowed. An end (finished, errored) of a record with a callbackUrl adds its token to
   * `webhooksDue` in the same step.
   */
  taskUpdate(
    record: string,
    webhooksDue: string,
    channel: string,
    allowed: string,
    ...fieldValues: Arg[]
  ): Promise<number>;

  /**
   * As taskUpdate, and only when the chunk results hash holds exactly `chunksTotal` entries: the
   * status and the fan-in are checked in the same step as the final write. -2 chunks missing.
   */
  taskUpdateIfAllChunksIn(
    record: string,
    webhooksDue: string,
    chunks: string,
    channel: string,
    allowed: string,
    ...fieldValues: Arg[]
  ): Promise<number>;

  /**
   * A client cancels its open task (status `cancelled`, chunk state dropped, quota released) or
   * deletes its ended one (record, chunk state, index entry, quota), in one step.
   * [code, chunksTotal]: 0 not this client's task, 1 cancelled now, 2 already cancelled, 3 deleted.
   */
  taskCancel(
    record: string,
    chunks: string,
    progress: string,
    pending: string,
    stored: string,
    sizes: string,
    uploads: string,
    index: string,
    events: string,
    webhooksDue: string,
    token: string,
    client: string,
    now: Arg,
  ): Promise<[number, number]>;

  /**
   * Fixes an open task's chunk split once (the first plan wins, whatever a re-run proposes).
   * The task's chunk bytes; -1 gone, -2 ended.
   */
  chunkPlan(record: string, chunkBytes: Arg, size: Arg): Promise<number>;

  /**
   * Records a chunk's outcome once (HSETNX) and its bytes, only while its task is open and the index
   * inside the plan, publishing the new progress on `channel`. 2 (this call stored it) or 1 every
   * chunk is in, 0 some missing, -1 gone, -2 ended.
   */
  chunkRecord(
    record: string,
    chunks: string,
    progress: string,
    index: Arg,
    outcomeJson: string | Buffer,
    chunkBytes: Arg,
    channel: string,
  ): Promise<number>;

  /**
   * Replaces an unfinished chunk's scanned bytes and moves `bytesDone` by the difference,
   * publishing the new progress on `channel`. 1 counted.
   */
  chunkProgress(
    record: string,
    chunks: string,
    progress: string,
    index: Arg,
    bytes: Arg,
    channel: string,
  ): Promise<number>;

  /**
   * Checks a client's pending and byte caps and reserves a task's (or session's) slot and bytes
   * until `expiresAt`, replacing the token's earlier reservation. 0 ok, 1 pending cap, 2 byte cap.
   */
  clientReserve(
    pending: string,
    stored: string,
    sizes: string,
    uploads: string,
    token: string,
    now: Arg,
    expiresAt: Arg,
    bytes: Arg,
    maxPending: Arg,
    maxBytes: Arg,
  ): Promise<number>;

  /**
   * Opens or renews a streamed upload: an upload slot, a pending slot and between `need` and `want`
   * bytes until `leaseUntil`. [0, granted], or [1|2|3, 0] (pending, byte, concurrent-upload cap).
   */
  clientHold(
    pending: string,
    stored: string,
    sizes: string,
    uploads: string,
    token: string,
    now: Arg,
    leaseUntil: Arg,
    need: Arg,
    want: Arg,
    maxUploads: Arg,
    maxPending: Arg,
    maxBytes: Arg,
  ): Promise<[number, number]>;

  /** Sets a live reservation to the bytes really stored; never revives a gone one. 1 set. */
  clientSettle(
    pending: string,
    stored: string,
    sizes: string,
    uploads: string,
    token: string,
    now: Arg,
    bytes: Arg,
  ): Promise<number>;

  /**
   * Takes a client's range of virtual time in one queue, [max(V, F), … + totalCost), and moves F
   * to its end. [V, F] as they were before, as decimal strings.
   */
  fairReserve(
    fair: string,
    finishField: string,
    totalCost: Arg,
    virtualField: string,
  ): Promise<[string, string]>;

  /** Moves a queue's virtual time up to a started unit's tag, never back. */
  fairAdvance(fair: string, tag: Arg, virtualField: string): Promise<number>;

  /**
   * A submission in one step: clientReserve, then (only if it reserved) the task record with its
   * TTL and fairReserve (skipped when `finishField` is ''). [code as clientReserve's, V, F].
   */
  taskSubmit(
    pending: string,
    stored: string,
    sizes: string,
    uploads: string,
    record: string,
    fair: string,
    index: string,
    token: string,
    now: Arg,
    expiresAt: Arg,
    bytes: Arg,
    maxPending: Arg,
    maxBytes: Arg,
    ttlSeconds: Arg,
    finishField: string,
    totalCost: Arg,
    virtualField: string,
    ...recordFieldValues: Arg[]
  ): Promise<[number, string, string]>;

  /**
   * Claims a client's Idempotency-Key for a submission (pending for `leaseMs`), or says what holds
   * it: ['claimed'], ['mismatch'], ['pending', ms left], ['done', token, digest, bytes].
   */
  idemClaim(key: string, fingerprint: string, token: string, leaseMs: Arg): Promise<string[]>;

  /** Renews a pending claim of `token` for `leaseMs`. 1 renewed. */
  idemRenew(key: string, token: string, leaseMs: Arg): Promise<number>;

  /** Marks the claim of `token` done (its task exists) for `ttlSeconds`. 1 done. */
  idemComplete(
    key: string,
    token: string,
    digest: string,
    bytes: Arg,
    ttlSeconds: Arg,
  ): Promise<number>;

  /** Frees a pending claim of `token` (its submission failed). 1 released. */
  idemRelease(key: string, token: string): Promise<number>;
}

/** The shared ioredis client with the service's scripts registered (see registerScripts). */
export type TaskRedis = Redis & RedisScripts;

// One entry per method of RedisScripts (the mapped type makes a missing one a compile error).
const SCRIPTS: { [Name in keyof RedisScripts]: { numberOfKeys: number; lua: string } } = {
  taskUpdate: { numberOfKeys: 2, lua: UPDATE_IF_EXISTS },
  taskUpdateIfAllChunksIn: { numberOfKeys: 3, lua: UPDATE_IF_EXISTS },
  taskCancel: { numberOfKeys: 10, lua: CANCEL },
  chunkPlan: { numberOfKeys: 1, lua: PLAN },
  chunkRecord: { numberOfKeys: 3, lua: RECORD_CHUNK },
  chunkProgress: { numberOfKeys: 3, lua: CHUNK_PROGRESS },
  clientReserve: { numberOfKeys: 4, lua: RESERVE_ONLY },
  clientHold: { numberOfKeys: 4, lua: HOLD },
  clientSettle: { numberOfKeys: 4, lua: SETTLE },
  fairReserve: { numberOfKeys: 1, lua: FAIR_RESERVE },
  fairAdvance: { numberOfKeys: 1, lua: ADVANCE },
  taskSubmit: { numberOfKeys: 7, lua: SUBMIT },
  idemClaim: { numberOfKeys: 1, lua: IDEM_CLAIM },
  idemRenew: { numberOfKeys: 1, lua: IDEM_RENEW },
  idemComplete: { numberOfKeys: 1, lua: IDEM_COMPLETE },
  idemRelease: { numberOfKeys: 1, lua: IDEM_RELEASE },
};

/**
 * Registers every script on `client` with ioredis `defineCommand`: a call sends EVALSHA, or the
 * whole script once per connection and again after a NOSCRIPT (a restarted or flushed Redis), so
 * the script text crosses the network once per connection instead of on every call.
 */
export function registerScripts(client: Redis): TaskRedis {
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
  // defineCommand adds the methods at run time; TypeScript cannot see that, hence the cast.
  return client as TaskRedis;
}
