import { Injectable } from '@nestjs/common';
import { TaskKind, TaskStatus } from '../contract';
import { TaskRedis, InjectRedis } from '../redis';
import { TaskRecord } from './task-record';
import { TaskStore, throwOnMultiError } from './task-store.service';

/** What a listing shows of one task. */
export interface TaskSummary extends Pick<
  TaskRecord,
  'callbackUrl' | 'callbackState' | 'callbackAttempts' | 'callbackError'
> {
  token: string;
  task: TaskKind;
  status: TaskStatus;
  requestedAt: number;
  finishedAt?: number;
  bytes?: number;
}

/** A place in a client's index, newest first: the entry (requestedAt, token) last seen. */
export interface IndexPosition {
  requestedAt: number;
  token: string;
}

/** One page of a scan of the index. */
export interface IndexPage {
  summaries: TaskSummary[];
  /** Where the next page starts (after the last entry given or read), or undefined at the end. */
  next?: IndexPosition;
}

// Index entries read per Redis round trip.
const BATCH = 100;
const FIELDS = [
  'client',
  'task',
  'status',
  'requestedAt',
  'finishedAt',
  'bytes',
  'callbackUrl',
  'callbackState',
  'callbackAttempts',
  'callbackError',
] as const;

/**
 * A client's tasks, newest first, from the index TaskStore.create writes with each record
 * (redisKeys.clientTasks). Order: requestedAt descending, then token descending (Redis's order
 * for equal scores), so a position names one place exactly and pages never repeat or skip.
 * Entries whose record expired (or was deleted) are skipped and removed as they are met.
 */
@Injectable()
export class TaskIndex {
  constructor(
    @InjectRedis() private readonly redis: TaskRedis,
    private readonly store: TaskStore,
  ) {}

  /**
   * Up to `limit` of the client's live tasks after `after` that pass `accept`, reading at most
   * `budget` index entries: a filter that matches little answers a short page and a position to
   * go on from, instead of reading a whole index in one request.
   */
  async page(
    client: string,
    after: IndexPosition | undefined,
    limit: number,
    accept: (summary: TaskSummary) => boolean,
    budget: number,
  ): Promise<IndexPage> {
    const summaries: TaskSummary[] = [];
    let position = after;
    let read = 0;
    while (read < budget) {
      const entries = await this.entries(client, position, Math.min(BATCH, budget - read));
      if (entries.length === 0) return { summaries };
      read += entries.length;
      const found = await this.summaries(client, entries);
      for (let i = 0; i < entries.length; i++) {
        position = entries[i];
        const summary = found[i];
        if (!summary || !accept(summary)) continue;
        summaries.push(summary);
        if (summaries.length === limit) {
          // More only if some entry follows this one (one cheap look ahead).
          const more =
            i + 1 < entries.length || (await this.entries(client, position, 1)).length > 0;
          return { summaries, next: more ? position : undefined };
        }
      }
    }
    return { summaries, next: position };
  }

  /** The next `count` entries after `after` (all of them from the newest without one). */
  private async entries(
    client: string,
    after: IndexPosition | undefined,
    count: number,
  ): Promise<IndexPosition[]> {
    const key = this.store.indexKey(client);
    if (!after)
      return toPositions(
        await this.redis.zrevrangebyscore(key, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, count),
      );
    // Entries of the same millisecond as `after` come after it when their token is smaller;
    // then the strictly older ones.
    const ties = toPositions(
      await this.redis.zrevrangebyscore(key, after.requestedAt, after.requestedAt, 'WITHSCORES'),
    ).filter((e) => e.token < after.token);
    if (ties.length >= count) return ties.slice(0, count);
    const older = toPositions(
      await this.redis.zrevrangebyscore(
        key,
        `(${after.requestedAt}`,
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        count - ties.length,
      ),
    );
    return [...ties, ...older];
  }

  /** Each entry's summary, or undefined (and the entry removed) when its record is gone. */
  private async summaries(
    client: string,
    entries: IndexPosition[],
  ): Promise<(TaskSummary | undefined)[]> {
    const multi = this.redis.multi();
    for (const { token } of entries) multi.hmget(this.store.key(token), ...FIELDS);
    const replies = await multi.exec();
    throwOnMultiError(replies);
    const gone: string[] = [];
    const found = entries.map(({ token }, i) => {
      const [
        owner,
        task,
        status,
        requestedAt,
        finishedAt,
        bytes,
        callbackUrl,
        callbackState,
        callbackAttempts,
        callbackError,
      ] = replies![i][1] as (string | null)[];
      if (!status || owner !== client) {
        gone.push(token);
        return undefined;
      }
      return {
        token,
        task: task as TaskKind,
        status: status as TaskStatus,
        requestedAt: Number(requestedAt),
        finishedAt: finishedAt === null ? undefined : Number(finishedAt),
        bytes: bytes === null ? undefined : Number(bytes),
        callbackUrl: callbackUrl ?? undefined,
        callbackState: (callbackState ?? undefined) as TaskSummary['callbackState'],
        callbackAttempts: callbackAttempts === null ? undefined : Number(callbackAttempts),
        callbackError: callbackError ?? undefined,
      };
    });
    // Lazily pruned: the record expired (or was deleted) and its token is never reused.
    if (gone.length) await this.redis.zrem(this.store.indexKey(client), ...gone);
    return found;
  }
}

/** [member, score, member, score, …] → positions. */
function toPositions(reply: string[]): IndexPosition[] {
  const out: IndexPosition[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2)
    out.push({ token: reply[i], requestedAt: Number(reply[i + 1]) });
  return out;
}
