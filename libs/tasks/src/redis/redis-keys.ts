import { createHash } from 'node:crypto';

/**
 * Every Redis key the service itself writes, as pure functions of QUEUE_PREFIX and ids (bull's own
 * keys, `<prefix>:<queue>:…`, follow the queue names in queues/queue-names.ts).
 *
 * PERSISTED: these strings name data that outlives a deploy (task records, chunk results, quotas,
 * fair-queue clocks, upload sessions, rate-limit counters). Renaming one silently loses that data
 * on the next deploy: every task in flight reads as unknown, quotas and fairness restart from zero.
 * Change a shape only with a migration; redis-keys.spec.ts pins each one byte for byte.
 */
export const redisKeys = {
  /** A task's record: a hash (status, timestamps, durations, progress, result), TTL RESULT_TTL_SECONDS. */
  task: (prefix: string, token: string) => `${prefix}:task:${token}`,

  /** An even-sum task's chunk results: a hash of chunk index → outcome JSON, expiring with the record. */
  taskChunks: (prefix: string, token: string) => `${redisKeys.task(prefix, token)}:chunks`,

  /** An even-sum task's scanned bytes per unfinished chunk: a hash of chunk index → bytes. */
  taskProgress: (prefix: string, token: string) => `${redisKeys.task(prefix, token)}:progress`,

  /**
   * The pub/sub channel of a task's changes (status transitions, even-sum progress), published by
   * the scripts that make them. Not stored data, but api processes of two versions must agree on it.
   */
  taskEvents: (prefix: string, token: string) => `${redisKeys.task(prefix, token)}:events`,

  /**
   * A client's Idempotency-Key: a hash (state, request fingerprint, token, body digest), held
   * while the first submission uploads and kept RESULT_TTL_SECONDS once it made a task. The key is
   * hashed: it is the client's free text (up to 255 characters), with no business in a key listing.
   */
  idempotency: (prefix: string, client: string, key: string) =>
    `${prefix}:client:${client}:idem:${createHash('sha256').update(key).digest('hex')}`,

  /** A direct upload's session (JSON string) until its presigned URLs expire. */
  uploadSession: (prefix: string, token: string) => `${prefix}:upload:${token}`,

  /** Held while one request completes a direct upload, so a second one cannot complete it too. */
  uploadCompleting: (prefix: string, token: string) =>
    `${redisKeys.uploadSession(prefix, token)}:completing`,

  /**
   * A client's usage (limits/client-usage.store.ts), in the order the client-usage scripts take
   * them as KEYS: pending zset (token → expiry), stored zset (token → expiry), sizes hash
   * (token → bytes reserved), uploads zset (token → lease expiry of an open streamed upload).
   */
  clientUsage: (prefix: string, client: string): ClientUsageKeys => {
    const base = `${prefix}:client:${client}`;
    return [`${base}:pending`, `${base}:stored`, `${base}:sizes`, `${base}:uploads`];
  },

  /**
   * A client's tasks for GET /tasks: a zset of token → requestedAt, written in the same MULTI as
   * each record and expiring with the client's latest one; an entry whose record expired is
   * skipped and removed when a listing reaches it.
   */
  clientTasks: (prefix: string, client: string) => `${prefix}:client:${client}:tasks`,

  /**
   * Ended tasks whose callback is not yet in the webhook queue: a zset of token → end time, added
   * to by the scripts that end a task (atomically with the end), emptied by the workers' poller.
   */
  webhooksDue: (prefix: string) => `${prefix}:webhooks:due`,

  /** The fair queues' state: one hash of the fields below. */
  fair: (prefix: string) => `${prefix}:fair`,

  /** Field of the fair hash: a queue's virtual time (the tag of its latest started unit). */
  fairVirtualField: (queue: string) => `virtual:${queue}`,

  /** Field of the fair hash: a client's finish tag in a queue (where its next unit starts). */
  fairFinishField: (queue: string, client: string) => `finish:${queue}:${client}`,

  /**
   * A client's rate-limit counter key, as handed to @nest-lab/throttler-storage-redis, which
   * stores `{<this>:<throttler>}:hits` and `{<this>:<throttler>}:blocked`. Hashed: the tracker is
   * a client id, which has no business in a key listing.
   */
  throttle: (prefix: string, throttler: string, tracker: string) =>
    `${prefix}:throttle:${createHash('sha256').update(`${throttler}-${tracker}`).digest('hex')}`,
};

/** A client's usage keys: pending, stored, sizes, uploads (see redisKeys.clientUsage). */
export type ClientUsageKeys = [pending: string, stored: string, sizes: string, uploads: string];
