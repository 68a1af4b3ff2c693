import { Injectable } from '@nestjs/common';
import { TaskKind } from '../contract';
import { TaskLifecycle, TaskStore } from '../records';
import { chunksInOrder, combineChunkResults } from './engine';
import { ChunkOutcome, ChunkResultsStore } from './chunk-results.store';

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

  /**
   * Ends the task from its chunk results if all are in; otherwise does nothing. `own`: the outcome
   * this process just stored for a chunk, used instead of reading it back when it is the task's
   * only chunk.
   */
  async combine(token: string, own?: { index: number; outcome: ChunkOutcome }): Promise<void> {
    const record = await this.store.get(token);
    if (record?.task !== TaskKind.EvenSum) return;
    if (record.status !== 'requested' && record.status !== 'received') return;
    const total = record.chunksTotal;
    if (total === undefined) return;
    // A task of one chunk: the outcome stored is `own` as JSON, and JSON carries its plain
    // fields unchanged (combine-chunk-results.spec.ts), so reading back a 6-million-digit sum and
    // parsing it (~40 ms, plus Redis's copy) would give the same answer.
    const results =
      total === 1 && own?.index === 0 ? new Map([[0, own.outcome]]) : await this.chunks.all(token);
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
