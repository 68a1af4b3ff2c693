import { Injectable } from '@nestjs/common';
import { TaskRedis, InjectRedis } from '../redis';
import { TaskStore, throwOnMultiError } from '../records';
import { isOpenStatus } from '../contract';
import { ChunkScanResult, recycleDecimalBytes, takeBytesBuffer } from './engine';

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

/**
 * What recording a chunk's outcome did. `complete`: every chunk is in and this outcome is the one
 * stored for its index; `complete-earlier`: every chunk is in, but an earlier delivery's outcome
 * was stored for this index (same figures, other timings).
 */
export type RecordOutcome = 'gone' | 'ended' | 'recorded' | 'complete' | 'complete-earlier';

/**
 * Chunk results and progress of even-sum tasks, beside the task record and expiring with it. Every
 * change is one Lua step that first checks the task is still open (redis/scripts/chunk-results.lua.ts).
 */
@Injectable()
export class ChunkResultsStore {
  constructor(
    @InjectRedis() private readonly redis: TaskRedis,
    private readonly tasks: TaskStore,
  ) {}

  private keys(token: string): [string, string, string] {
    return [this.tasks.key(token), this.tasks.chunksKey(token), this.tasks.progressKey(token)];
  }

  /**
   * Fixes the task's split once: resolves the chunk bytes of the first plan, or of the pipelined
   * upload that queued chunks before it (whatever this one proposes), with the chunk count of the
   * file's `size` under them; or null when the task ended or is gone.
   */
  async plan(token: string, chunkBytes: number, size: number): Promise<number | null> {
    const result = await this.redis.chunkPlan(this.keys(token)[0], chunkBytes, size);
    return result > 0 ? result : null;
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

  /** True while the task is requested or received (not ended, cancelled or expired). */
  async isOpen(token: string): Promise<boolean> {
    return isOpenStatus(await this.redis.hget(this.keys(token)[0], 'status'));
  }

  /** Records a chunk's outcome once; says whether every chunk of the plan is now in. */
  async record(
    token: string,
    index: number,
    outcome: ChunkOutcome,
    chunkBytes: number,
  ): Promise<RecordOutcome> {
    const json = outcomeJson(outcome);
    let result: number;
    try {
      result = await this.redis.chunkRecord(
        ...this.keys(token),
        index,
        json,
        chunkBytes,
        this.tasks.eventsKey(token),
      );
    } finally {
      if (typeof json !== 'string') recycleDecimalBytes(json);
    }
    return result === -1
      ? 'gone'
      : result === -2
        ? 'ended'
        : result === 2
          ? 'complete'
          : result === 1
            ? 'complete-earlier'
            : 'recorded';
  }

  async progress(token: string, index: number, bytes: number): Promise<void> {
    await this.redis.chunkProgress(...this.keys(token), index, bytes, this.tasks.eventsKey(token));
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

const SUM_OPEN = Buffer.from('{"sum":"');

/**
 * The outcome's JSON. A sum as bytes (millions of digits) is copied in as it is: digits and a
 * '-' need no escaping, so JSON.parse gives the outcome back with the sum as its string, and no
 * string of that length is made. The bytes are in a recycled buffer (engine's takeBytesBuffer;
 * the caller hands it back with recycleDecimalBytes): a fresh 6 MB buffer per outcome cost
 * ~1,500 page faults, 100 ms and more on a busy VM, against ~1 ms for the copy.
 */
export function outcomeJson(outcome: ChunkOutcome): string | Buffer {
  const { sum, ...rest } = outcome;
  if (typeof sum === 'string') return JSON.stringify(outcome);
  // The rest as ioredis sends a string: UTF-8 (a bad token's text may hold any character).
  const tail = Buffer.from(`",${JSON.stringify(rest).slice(1)}`);
  const length = SUM_OPEN.length + sum.length + tail.length;
  const out = takeBytesBuffer(length);
  SUM_OPEN.copy(out, 0);
  sum.copy(out, SUM_OPEN.length);
  tail.copy(out, SUM_OPEN.length + sum.length);
  return out.subarray(0, length);
}
