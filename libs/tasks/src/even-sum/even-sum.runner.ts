import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, InjectConfig } from '../config/app-config';
import { JobOf } from '../queues/job-payloads';
import { JobName, QueueName } from '../queues/queue-names';
import { TaskQueue } from '../queues/task-queue.service';
import { BlobStore, InjectBlobStore } from '../storage/blob-store';
import { CpuGate } from '../fairness/cpu-gate';
import { FairScheduler } from '../fairness/fair-scheduler.service';
import { unitCost } from '../fairness/start-time-fair-queue';
import { TaskMetrics } from '../metrics/task-metrics.service';
import { TaskLifecycle } from '../tasks/task-lifecycle.service';
import { planChunks } from './chunk-plan';
import { ChunkOutcome, ChunkResultsStore } from './chunk-results.store';
import { combineChunkResults } from './even-sum.scanner';
import { ScanPool } from './scan-pool';
import { scanRange } from './scan-range';

/** Plans an even-sum task into byte-range chunks, scans chunks, and combines them when the last one lands. */
@Injectable()
export class EvenSumRunner {
  private readonly logger = new Logger(EvenSumRunner.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly queue: TaskQueue,
    private readonly lifecycle: TaskLifecycle,
    private readonly chunks: ChunkResultsStore,
    private readonly metrics: TaskMetrics,
    private readonly gate: CpuGate,
    private readonly fair: FairScheduler,
    private readonly pool: ScanPool,
  ) {}

  /** The plan job: one chunk job per CHUNK_BYTES range; a one-chunk file is scanned right here. */
  async plan({ token, inputKey }: JobOf<JobName.EvenSumPlan>): Promise<void> {
    const record = await this.lifecycle.start(token);
    if (record.status === 'finished' || record.status === 'errored') return;
    const size = await this.blobs.size(inputKey);
    const ranges = planChunks(size, this.config.chunkBytes);
    this.logger.log(
      { token, task: record.task, bytes: size, chunks: ranges.length },
      'job started',
    );
    await this.chunks.plan(token, ranges.length);
    if (ranges.length <= 1) {
      if (ranges.length === 0) return this.combine(token);
      return this.chunk({
        token,
        inputKey,
        client: record.client,
        index: 0,
        start: 0,
        end: size,
        size,
      });
    }
    const fair = await this.fair.tag(
      record.client,
      QueueName.EvenSumChunk,
      ranges.map((r) => unitCost.scanBytes(r.end - r.start)),
    );
    await this.queue.addBulk(
      JobName.EvenSumChunk,
      ranges.map((r, i) => ({
        jobId: `${token}-c${r.index}`,
        priority: fair[i]?.priority,
        data: { token, inputKey, client: record.client, size, ...r, tag: fair[i]?.tag },
      })),
    );
  }

  /** A chunk job: idempotent (a rerun of a counted chunk does nothing but combine if due). */
  async chunk({
    token,
    inputKey,
    client,
    index,
    start,
    end,
    size,
  }: JobOf<JobName.EvenSumChunk>): Promise<void> {
    if (!(await this.chunks.has(token, index))) {
      const startedAt = Date.now();
      const t0 = performance.now();
      const result = await scanRange(
        (from, to) => this.blobs.readRange(inputKey, from, to),
        { start, end, size },
        // Each part takes its turn at the process's CPU gate with the other running jobs' steps.
        (state, bytes, prev) =>
          this.gate.run(client, () => this.pool.scanSlice(state, bytes, prev)),
        // scanRange reports every 8 MiB: one small Lua call each, fire and forget.
        (bytesDone) =>
          void this.chunks
            .progress(token, index, Math.min(bytesDone, end - start))
            .catch(() => undefined),
      );
      const executionMs = Math.round(performance.now() - t0);
      const outcome: ChunkOutcome = { ...result, startedAt, finishedAt: Date.now(), executionMs };
      this.metrics.chunk.observe(executionMs / 1000);
      const complete = await this.chunks.record(token, index, outcome, end - start);
      this.logger.debug({ token, chunk: index, executionMs, bytes: end - start }, 'chunk done');
      if (!complete) return;
    }
    await this.combine(token);
  }

  /** Sums every chunk's result into the task's; the first bad token ends the task errored. */
  private async combine(token: string): Promise<void> {
    const record = await this.lifecycle.start(token);
    if (record.status === 'finished' || record.status === 'errored') return;
    const outcomes = await this.chunks.all(token);
    const total = combineChunkResults(outcomes);
    if (total.error) {
      await this.lifecycle.fail(token, total.error);
      return;
    }
    const executionMs = outcomes.reduce((ms, o) => ms + o.executionMs, 0);
    const wallMs = outcomes.length
      ? Math.max(...outcomes.map((o) => o.finishedAt)) -
        Math.min(...outcomes.map((o) => o.startedAt))
      : 0;
    await this.lifecycle.finish(record, {
      sum: total.sum,
      evenCount: total.evenCount,
      count: total.count,
      bytesDone: record.bytes,
      executionMs,
      wallMs,
    });
  }
}
