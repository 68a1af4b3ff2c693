import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, InjectConfig } from '../config';
import { InjectRedis } from '../redis';
import { parseTaskRecord, serializeTaskFields, TaskRecord } from './task-record';
import { TaskStatus } from '../contract';

// Writes only to an existing record: a late write after expiry must not resurrect a key with no TTL.
// ARGV[1] = allowed current statuses ("" = any), then field/value pairs. With a second key (a task's
// chunk results hash), writes only when that hash holds exactly `chunksTotal` results: the status
// check and the fan-in check are one step, so no interleaving of chunk jobs, however often bull
// delivers them, can end a task before every chunk is in.
const UPDATE_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] ~= '' then
  local status = redis.call('HGET', KEYS[1], 'status')
  if not string.find(ARGV[1], ',' .. status .. ',', 1, true) then return -1 end
end
if KEYS[2] then
  local total = tonumber(redis.call('HGET', KEYS[1], 'chunksTotal'))
  if not total or redis.call('HLEN', KEYS[2]) ~= total then return -2 end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`;

/** Per-token task records in Redis hashes, expiring RESULT_TTL_SECONDS after creation. */
@Injectable()
export class TaskStore {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The Redis key of a task's record. */
  key(token: string): string {
    return `${this.config.queuePrefix}:task:${token}`;
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
    return `${this.key(token)}:chunks`;
  }

  /** The Redis hash of an even-sum task's per-chunk scanned bytes (progress). */
  progressKey(token: string): string {
    return `${this.key(token)}:progress`;
  }

  /**
   * Sets fields if the record exists and (when `from` is given) its status is one of `from`, and
   * (with `allChunksIn`) every one of its `chunksTotal` chunk results is recorded.
   * Returns false when nothing was written (expired, the status had moved on, or chunks are missing).
   */
  async update(
    token: string,
    fields: Partial<TaskRecord>,
    from?: TaskStatus[],
    { allChunksIn = false }: { allChunksIn?: boolean } = {},
  ): Promise<boolean> {
    const pairs = Object.entries(serializeTaskFields(fields)).flat();
    if (pairs.length === 0) return true;
    const allowed = from ? `,${from.join(',')},` : '';
    const keys = allChunksIn ? [this.key(token), this.chunksKey(token)] : [this.key(token)];
    const result = await this.redis.eval(UPDATE_IF_EXISTS, keys.length, ...keys, allowed, ...pairs);
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
