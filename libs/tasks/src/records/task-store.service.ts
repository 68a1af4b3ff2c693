import { Injectable } from '@nestjs/common';
import { AppConfig, InjectConfig } from '../config';
import { redisKeys, TaskRedis, InjectRedis } from '../redis';
import { parseTaskRecord, serializeTaskFields, TaskFieldsWrite, TaskRecord } from './task-record';
import { TaskStatus } from '../contract';

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

  async create(record: TaskRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(record.token), serializeTaskFields(record))
      .expire(this.key(record.token), this.config.resultTtlSeconds)
      .exec()
      .then(throwOnMultiError);
  }

  async get(token: string): Promise<TaskRecord | null> {
    return parseTaskRecord(await this.redis.hgetall(this.key(token)));
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
          this.chunksKey(token),
          allowed,
          ...pairs,
        )
      : await this.redis.taskUpdate(this.key(token), allowed, ...pairs);
    return result === 1;
  }

  async delete(token: string): Promise<void> {
    await this.redis.del(this.key(token));
  }
}

/** ioredis MULTI reports per-command errors in its result instead of rejecting. */
export function throwOnMultiError(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
}
