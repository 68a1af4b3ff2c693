import { Injectable, Logger } from '@nestjs/common';
import { CpuGate } from '../fairness';
import { TaskMetrics } from '../metrics';
import { JobOf, JobName } from '../queues';
import { BlobStore, InjectBlobStore } from '../storage';
import { ChunkOutcome, ChunkResultsStore } from './chunk-results.store';
import { EvenSumCombiner } from './even-sum.combiner';
import { recycleDecimalBytes, ScanPool, scanRange, scanStoredRange } from './engine';

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
      const outcome = await this.scan(job).catch(async (err: unknown) => {
        // Cancelled (or otherwise ended, or expired) mid-scan: the scan stopped at its next part,
        // or its input was deleted under it. Nothing to record, nothing to retry.
        if (err instanceof TaskEndedError) {
          this.logger.log({ token, chunk: index }, 'chunk stopped at a part: its task ended');
          return undefined;
        }
        if (await this.chunks.isOpen(token).catch(() => true)) throw err;
        this.logger.log({ token, chunk: index, err }, 'chunk failed after its task ended');
        return undefined;
      });
      if (!outcome) return;
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
    client,
    inputKey,
    index,
    start,
    end,
    size,
  }: JobOf<JobName.EvenSumChunk>): Promise<ChunkOutcome> {
    const startedAt = Date.now();
    const t0 = performance.now();
    // scanRange reports every 8 MiB, scanStoredRange every part: one small Lua call each, fire
    // and forget.
    const onProgress = (bytesDone: number): void =>
      void this.chunks
        .progress(token, index, Math.min(bytesDone, end - start))
        .catch(() => undefined);
    // Each part takes its turn at the process's CPU gate with the other running jobs' steps and,
    // once admitted, runs only if its task is still open (one HGET per part, checked after the wait
    // at the gate, not before it): a cancelled task's scan stops at its next part instead of
    // reading the rest of its chunk.
    let ended = false;
    // The gate goes round the clients, then round each client's jobs: this chunk is one job.
    const owner = { client, job: `${token}-c${index}` };
    const whileOpen = <T>(step: () => Promise<T>): Promise<T> =>
      this.gate.run(async () => {
        if (ended || !(await this.chunks.isOpen(token))) {
          ended = true;
          throw new TaskEndedError(token);
        }
        return step();
      }, owner);
    // A file on this machine (fs storage) is read by the pool's threads themselves, each part
    // straight into the scanner's memory; a stored object (S3) is streamed here, parts handed over.
    const path = this.blobs.localPath(inputKey);
    const result = path
      ? await scanStoredRange(
          { path, start, end, size },
          (part) => whileOpen(() => this.pool.scanFilePart(part)),
          onProgress,
        ).catch(async (err: unknown) => {
          // An error from another thread arrives without its fs code: a file gone since (expired,
          // deleted) is told apart here, so the job fails with BlobNotFoundError, not retried.
          if (!(err instanceof TaskEndedError)) await this.blobs.size(inputKey);
          throw err;
        })
      : await scanRange(
          (from, to) => this.blobs.readRange(inputKey, from, to),
          { start, end, size },
          (state, bytes, prev) => whileOpen(() => this.pool.scanSlice(state, bytes, prev)),
          onProgress,
          // A sum of millions of digits stays bytes up to Redis: a string of it costs fresh memory
          // at each copy (page faults: most of such a chunk's time, measured).
          { longSums: 'bytes' },
        );
    const executionMs = Math.round(performance.now() - t0);
    this.metrics.chunk.observe(executionMs / 1000);
    return { ...result, start, end, startedAt, finishedAt: Date.now(), executionMs };
  }
}

/** A chunk's scan stopped because its task ended (cancelled) while it ran. */
class TaskEndedError extends Error {
  constructor(token: string) {
    super(`task ${token} ended during its scan`);
  }
}
