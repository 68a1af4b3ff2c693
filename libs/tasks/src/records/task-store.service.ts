import { Injectable } from '@nestjs/common';
import { AppConfig, InjectConfig } from '../config';
import { redisKeys, TaskRedis, InjectRedis } from '../redis';
import { parseTaskRecord, serializeTaskFields, TaskFieldsWrite, TaskRecord } from './task-record';
import { TaskStatus } from '../contract';

/** What DELETE did to a client's task (TaskStore.cancel). */
export type CancelOutcome = 'not-found' | 'cancelled' | 'already-cancelled' | 'deleted';

const CANCEL_OUTCOMES: CancelOutcome[] = ['not-found', 'cancelled', 'already-cancelled', 'deleted'];

/** Per-token task records in Redis hashes, expiring RESULT_TTL_SECONDS after creation. */
@Injectable()
export class TaskStore {
  constructor(
    @InjectRedis() private readonly redis: TaskRedis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The Redis key of a task's record. */
  key(token: string): string {
    return redisKeys.task(this.config.queuePrefix, token);
  }

  /** The Redis zset of a client's tasks by requestedAt (GET /tasks). */
  indexKey(client: string): string {
    return redisKeys.clientTasks(this.config.queuePrefix, client);
  }

  /**
   * Writes a new record and its entry in the client's task index in one MULTI: a listing never
   * misses a task that exists. The index expires with the latest record written to it.
   */
  async create(record: TaskRecord): Promise<void> {
    const ttl = this.config.resultTtlSeconds;
    const index = this.indexKey(record.client);
    await this.redis
      .multi()
      .hset(this.key(record.token), serializeTaskFields(record))
      .expire(this.key(record.token), ttl)
      .zadd(index, record.requestedAt, record.token)
      .expire(index, ttl)
      .exec()
      .then(throwOnMultiError);
  }

  async get(token: string): Promise<TaskRecord | null> {
    return parseTaskRecord(await this.redis.hgetall(this.key(token)));
  }

  /** The pub/sub channel of a task's status transitions and progress. */
  eventsKey(token: string): string {
    return redisKeys.taskEvents(this.config.queuePrefix, token);
  }

  /** The zset of ended tasks whose callback is not yet queued (see WebhookDuePoller). */
  webhooksDueKey(): string {
    return redisKeys.webhooksDue(this.config.queuePrefix);
  }

  /** The Redis hash of an even-sum task's chunk results (chunk index → outcome JSON). */
  chunksKey(token: string): string {
    return redisKeys.taskChunks(this.config.queuePrefix, token);
  }

  /** The Redis hash of an even-sum task's per-chunk scanned bytes (progress). */
  progressKey(token: string): string {
    return redisKeys.taskProgress(this.config.queuePrefix, token);
  }

  /**
   * Sets fields if the record exists and (when `from` is given) its status is one of `from`, and
   * (with `allChunksIn`) every one of its `chunksTotal` chunk results is recorded.
   * Returns false when nothing was written (expired, the status had moved on, or chunks are missing).
   */
  async update(
    token: string,
    fields: TaskFieldsWrite,
    from?: TaskStatus[],
    { allChunksIn = false }: { allChunksIn?: boolean } = {},
  ): Promise<boolean> {
    const pairs = Object.entries(serializeTaskFields(fields)).flat();
    if (pairs.length === 0) return true;
    const allowed = from ? `,${from.join(',')},` : '';
    const result = allChunksIn
      ? await this.redis.taskUpdateIfAllChunksIn(
          this.key(token),
          this.webhooksDueKey(),
          this.chunksKey(token),
          this.eventsKey(token),
          allowed,
          ...pairs,
        )
      : await this.redis.taskUpdate(
          this.key(token),
          this.webhooksDueKey(),
          this.eventsKey(token),
          allowed,
          ...pairs,
        );
    return result === 1;
  }

  /**
   * A client's DELETE, in one Redis step (redis/scripts/task-cancel.lua.ts): an open task becomes
   * `cancelled` and its quota is released; an ended one is deleted with its quota. Another
   * client's task, or none, is `not-found`. `chunksTotal`: the even-sum plan's chunk count (0 if
   * not planned), so the caller can remove the chunk jobs still waiting.
   */
  async cancel(
    token: string,
    client: string,
    now = Date.now(),
  ): Promise<{ outcome: CancelOutcome; chunksTotal: number }> {
    const [code, chunksTotal] = await this.redis.taskCancel(
      this.key(token),
      this.chunksKey(token),
      this.progressKey(token),
      ...redisKeys.clientUsage(this.config.queuePrefix, client),
      this.indexKey(client),
      this.eventsKey(token),
      this.webhooksDueKey(),
      token,
      client,
      now,
    );
    return { outcome: CANCEL_OUTCOMES[code] ?? 'not-found', chunksTotal };
  }

  /** Drops a token from its client's task index: a task that never came to be (a failed upload). */
  async unindex(client: string, token: string): Promise<void> {
    await this.redis.zrem(this.indexKey(client), token);
  }

  /** Deletes the record, then its chunk results and progress (a late chunk finds no record and records nothing). */
  async delete(token: string): Promise<void> {
    await this.redis.del(this.key(token), this.chunksKey(token), this.progressKey(token));
  }
}

/** ioredis MULTI reports per-command errors in its result instead of rejecting. */
export function throwOnMultiError(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
}
