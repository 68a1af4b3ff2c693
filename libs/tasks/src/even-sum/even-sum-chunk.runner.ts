import { Injectable, Logger } from '@nestjs/common';
import { CpuGate } from '../fairness';
import { TaskMetrics } from '../metrics';
import { JobOf, JobName } from '../queues';
import { BlobStore, InjectBlobStore } from '../storage';
import { ChunkOutcome, ChunkResultsStore } from './chunk-results.store';
import { EvenSumCombiner } from './even-sum.combiner';
import { recycleDecimalBytes, ScanPool, scanRange } from './engine';

/**
 * A chunk job: scans one byte range and records its result once. bull may deliver it again, late,
 * or after its task ended: a chunk of an ended or expired task is not scanned, a chunk already
 * recorded is not scanned again, and whichever delivery finds every chunk in asks for the fan-in.
 */
@Injectable()
export class EvenSumChunkRunner {
  private readonly logger = new Logger(EvenSumChunkRunner.name);

  constructor(
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly chunks: ChunkResultsStore,
    private readonly combiner: EvenSumCombiner,
    private readonly metrics: TaskMetrics,
    private readonly gate: CpuGate,
    private readonly pool: ScanPool,
  ) {}

  async run(job: JobOf<JobName.EvenSumChunk>): Promise<void> {
    const { token, index, start, end } = job;
    const state = await this.chunks.state(token, index);
    if (state === 'gone' || state === 'ended') return;
    if (state === 'pending') {
      const outcome = await this.scan(job);
      try {
        const recorded = await this.chunks.record(token, index, outcome, end - start);
        this.logger.debug(
          { token, chunk: index, executionMs: outcome.executionMs, bytes: end - start },
          'chunk done',
        );
        if (recorded === 'complete') return await this.combiner.combine(token, { index, outcome });
        if (recorded !== 'complete-earlier') return;
      } finally {
        // A long sum's bytes: stored (and, for a one-chunk task, written as its result) by now.
        if (typeof outcome.sum !== 'string') recycleDecimalBytes(outcome.sum);
      }
    }
    // Recorded by this delivery or an earlier one: the combiner ends the task only if all are in.
    await this.combiner.combine(token);
  }

  private async scan({
    token,
    inputKey,
    client,
    index,
    start,
    end,
    size,
  }: JobOf<JobName.EvenSumChunk>): Promise<ChunkOutcome> {
    const startedAt = Date.now();
    const t0 = performance.now();
    const result = await scanRange(
      (from, to) => this.blobs.readRange(inputKey, from, to),
      { start, end, size },
      // Each part takes its turn at the process's CPU gate with the other running jobs' steps.
      (state, bytes, prev) => this.gate.run(client, () => this.pool.scanSlice(state, bytes, prev)),
      // scanRange reports every 8 MiB: one small Lua call each, fire and forget.
      (bytesDone) =>
        void this.chunks
          .progress(token, index, Math.min(bytesDone, end - start))
          .catch(() => undefined),
      // A sum of millions of digits stays bytes up to Redis: a string of it costs fresh memory
      // at each copy (page faults: most of such a chunk's time, measured).
      { longSums: 'bytes' },
    );
    const executionMs = Math.round(performance.now() - t0);
    this.metrics.chunk.observe(executionMs / 1000);
    return { ...result, start, end, startedAt, finishedAt: Date.now(), executionMs };
  }
}
