import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { InjectRedis } from '../redis';
import { TaskStore, throwOnMultiError } from '../records';
import { ChunkScanResult } from './engine';

/** A chunk's scan result, the byte range it covers, and when it ran (for execution and wall times). */
export interface ChunkOutcome extends ChunkScanResult {
  start: number;
  end: number;
  startedAt: number;
  finishedAt: number;
  executionMs: number;
}

/** Where a chunk stands before its job does anything. */
export type ChunkState = 'gone' | 'ended' | 'recorded' | 'pending';

/** What recording a chunk's outcome did. */
export type RecordOutcome = 'gone' | 'ended' | 'recorded' | 'complete';

// Every script below changes a task's chunk state only while its record exists and is still
// `requested` or `received`: a job bull delivers again after its task finished, errored or expired
// (at-least-once delivery, a lost completion write, an expired lock) changes nothing.
const OPEN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'requested' and status ~= 'received' then return -2 end`;

// KEYS: record. ARGV: chunk bytes, chunk count. The first plan fixes the split; a plan job that runs
// again (even under another CHUNK_BYTES) gets the first one back, so every chunk job of a task
// covers the same ranges. Returns the task's chunk bytes, -1 when the record is gone, -2 when ended.
const PLAN = `${OPEN}
redis.call('HSETNX', KEYS[1], 'chunkBytes', ARGV[1])
redis.call('HSETNX', KEYS[1], 'chunksTotal', ARGV[2])
redis.call('HSETNX', KEYS[1], 'chunksDone', 0)
redis.call('HSETNX', KEYS[1], 'bytesDone', 0)
return tonumber(redis.call('HGET', KEYS[1], 'chunkBytes'))`;

// KEYS: record, results, progress. ARGV: index, outcome JSON, chunk bytes.
// HSETNX makes a chunk count once however often bull runs it. Returns 1 when the results now hold
// every chunk of the plan (whoever sees it combines; a combiner that died is replaced by the retry
// of its own job), 0 when some are missing, -1/-2 as OPEN; an index outside the plan is an error.
const RECORD_CHUNK = `${OPEN}
local total = tonumber(redis.call('HGET', KEYS[1], 'chunksTotal'))
local index = tonumber(ARGV[1])
if not total or index < 0 or index >= total then
  return redis.error_reply('chunk ' .. ARGV[1] .. ' is outside the plan of ' .. tostring(total))
end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'chunksDone', 1)
  local before = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'bytesDone', tonumber(ARGV[3]) - before)
end
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl); redis.call('EXPIRE', KEYS[3], ttl) end
if redis.call('HLEN', KEYS[2]) == total then return 1 end
return 0`;

// KEYS: record, results, progress. ARGV: index, bytes so far. Progress of an unfinished chunk;
// replacing (not adding) the chunk's figure keeps a rerun from counting its bytes twice, and a
// late report (its chunk recorded, or its task ended) changes nothing.
const CHUNK_PROGRESS = `${OPEN}
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
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
    return [this.tasks.key(token), this.tasks.chunksKey(token), this.tasks.progressKey(token)];
  }

  /**
   * Fixes the task's split once: resolves the chunk bytes of the first plan (whatever this one
   * proposes), or null when the task ended or is gone.
   */
  async plan(token: string, chunkBytes: number, chunksTotal: number): Promise<number | null> {
    const result = await this.redis.eval(PLAN, 1, this.keys(token)[0], chunkBytes, chunksTotal);
    return typeof result === 'number' && result > 0 ? result : null;
  }

  /** The task's state as one chunk job sees it: only a `pending` chunk is worth scanning. */
  async state(token: string, index: number): Promise<ChunkState> {
    const [record, results] = this.keys(token);
    const replies = await this.redis
      .multi()
      .hget(record, 'status')
      .hexists(results, String(index))
      .exec();
    throwOnMultiError(replies);
    const [[, status], [, has]] = replies!;
    if (status === null) return 'gone';
    if (status !== 'requested' && status !== 'received') return 'ended';
    return has === 1 ? 'recorded' : 'pending';
  }

  /** Records a chunk's outcome once; says whether every chunk of the plan is now in. */
  async record(
    token: string,
    index: number,
    outcome: ChunkOutcome,
    chunkBytes: number,
  ): Promise<RecordOutcome> {
    const keys = this.keys(token);
    const result = await this.redis.eval(
      RECORD_CHUNK,
      3,
      ...keys,
      index,
      JSON.stringify(outcome),
      chunkBytes,
    );
    return result === -1
      ? 'gone'
      : result === -2
        ? 'ended'
        : result === 1
          ? 'complete'
          : 'recorded';
  }

  async progress(token: string, index: number, bytes: number): Promise<void> {
    const keys = this.keys(token);
    await this.redis.eval(CHUNK_PROGRESS, 3, ...keys, index, bytes);
  }

  /** Indices of the chunks already recorded (a plan that runs again skips them). */
  async recorded(token: string): Promise<Set<number>> {
    return new Set((await this.redis.hkeys(this.keys(token)[1])).map(Number));
  }

  /** Every recorded chunk outcome, by chunk index. */
  async all(token: string): Promise<Map<number, ChunkOutcome>> {
    const hash = await this.redis.hgetall(this.keys(token)[1]);
    return new Map(
      Object.entries(hash).map(([index, json]) => [
        Number(index),
        JSON.parse(json) as ChunkOutcome,
      ]),
    );
  }
}
