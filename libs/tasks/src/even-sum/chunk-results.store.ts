import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { InjectRedis } from '../redis/redis.module';
import { TaskStore } from '../tasks/task-store.service';
import { ChunkScanResult } from './even-sum.scanner';

/** A chunk's scan result plus when it ran (for the task's execution and wall times). */
export interface ChunkOutcome extends ChunkScanResult {
  startedAt: number;
  finishedAt: number;
  executionMs: number;
}

// KEYS: record, results, progress. ARGV: index, outcome JSON, chunk bytes.
// HSETNX makes a chunk count once however often bull runs it (at-least-once delivery). Returns
// 1 when every chunk has a result, for whichever caller sees it, so a combiner that died after
// this point is replaced by the retry of its own job.
const RECORD_CHUNK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'chunksDone', 1)
  local before = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'bytesDone', tonumber(ARGV[3]) - before)
end
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl); redis.call('EXPIRE', KEYS[3], ttl) end
local done = tonumber(redis.call('HGET', KEYS[1], 'chunksDone') or '0')
local total = tonumber(redis.call('HGET', KEYS[1], 'chunksTotal') or '-1')
if done >= total then return 1 end
return 0`;

// KEYS: record, results, progress. ARGV: index, bytes so far. Progress of an unfinished chunk;
// replacing (not adding) the chunk's figure keeps a rerun from counting its bytes twice.
const CHUNK_PROGRESS = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
local before = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'bytesDone', tonumber(ARGV[2]) - before)
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[3], ttl) end
return 1`;

/** Chunk results and progress of even-sum tasks, beside the task record and expiring with it. */
@Injectable()
export class ChunkResultsStore {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly tasks: TaskStore,
  ) {}

  private keys(token: string): [string, string, string] {
    const record = this.tasks.key(token);
    return [record, `${record}:chunks`, `${record}:progress`];
  }

  /** Sets the chunk count once: a plan job run twice must not reset chunks already counted. */
  async plan(token: string, chunksTotal: number): Promise<void> {
    const record = this.keys(token)[0];
    await this.redis
      .multi()
      .hsetnx(record, 'chunksTotal', chunksTotal)
      .hsetnx(record, 'chunksDone', 0)
      .hsetnx(record, 'bytesDone', 0)
      .exec();
  }

  /** Records a chunk's outcome once; resolves true when all chunks are in (time to combine). */
  async record(
    token: string,
    index: number,
    outcome: ChunkOutcome,
    chunkBytes: number,
  ): Promise<boolean | null> {
    const keys = this.keys(token);
    const result = await this.redis.eval(
      RECORD_CHUNK,
      3,
      ...keys,
      index,
      JSON.stringify(outcome),
      chunkBytes,
    );
    return result === -1 ? null : result === 1;
  }

  async progress(token: string, index: number, bytes: number): Promise<void> {
    const keys = this.keys(token);
    await this.redis.eval(CHUNK_PROGRESS, 3, ...keys, index, bytes);
  }

  /** Has this chunk already been counted (a rerun after a crash)? */
  async has(token: string, index: number): Promise<boolean> {
    return (await this.redis.hexists(this.keys(token)[1], String(index))) === 1;
  }

  /** All chunk outcomes in chunk order. */
  async all(token: string): Promise<ChunkOutcome[]> {
    const hash = await this.redis.hgetall(this.keys(token)[1]);
    return Object.entries(hash)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, json]) => JSON.parse(json) as ChunkOutcome);
  }
}
