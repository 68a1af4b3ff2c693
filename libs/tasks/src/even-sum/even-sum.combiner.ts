import { Injectable } from '@nestjs/common';
import { TaskKind } from '../contract';
import { TaskLifecycle, TaskStore } from '../records';
import { chunksInOrder, combineChunkResults } from './engine';
import { ChunkResultsStore } from './chunk-results.store';

/**
 * The fan-in of an even-sum task: once every chunk result is in, sums them in chunk order and ends
 * the task. Safe to call any number of times, from any job, at any moment: it ends nothing while a
 * chunk is missing or after the task ended, and the final write re-checks both in one Redis step.
 */
@Injectable()
export class EvenSumCombiner {
  constructor(
    private readonly store: TaskStore,
    private readonly lifecycle: TaskLifecycle,
    private readonly chunks: ChunkResultsStore,
  ) {}

  /** Ends the task from its chunk results if all are in; otherwise does nothing. */
  async combine(token: string): Promise<void> {
    const record = await this.store.get(token);
    if (record?.task !== TaskKind.EvenSum) return;
    if (record.status !== 'requested' && record.status !== 'received') return;
    const total = record.chunksTotal;
    if (total === undefined) return;
    const results = await this.chunks.all(token);
    // Chunks still running: the job that records the last one combines.
    if (results.size < total) return;
    const outcomes = chunksInOrder(results, total, record.bytes);
    const sum = combineChunkResults(outcomes);
    if (sum.error) {
      await this.lifecycle.fail(token, sum.error, { allChunksIn: true });
      return;
    }
    const executionMs = outcomes.reduce((ms, o) => ms + o.executionMs, 0);
    const wallMs = outcomes.length
      ? Math.max(...outcomes.map((o) => o.finishedAt)) -
        Math.min(...outcomes.map((o) => o.startedAt))
      : 0;
    await this.lifecycle.finish(
      record,
      {
        sum: sum.sum,
        evenCount: sum.evenCount,
        count: sum.count,
        bytesDone: record.bytes,
        executionMs,
        wallMs,
      },
      { allChunksIn: true },
    );
  }
}
