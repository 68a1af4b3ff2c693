import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, InjectConfig } from '../config';
import { FairScheduler } from '../fairness';
import { chunkJobId, JobOf, JobName, QueueName, TaskQueue } from '../queues';
import { BlobStore, InjectBlobStore } from '../storage';
import { TaskLifecycle } from '../records';
import { planChunks } from './engine';
import { ChunkResultsStore } from './chunk-results.store';
import { EvenSumChunkRunner } from './even-sum-chunk.runner';
import { EvenSumCombiner } from './even-sum.combiner';

/**
 * The plan job: splits the file into CHUNK_BYTES ranges and enqueues one chunk job per range; a
 * one-chunk file is scanned right here. Run again (at-least-once delivery), it keeps the first
 * split and enqueues only the chunks not yet recorded.
 */
@Injectable()
export class EvenSumPlanner {
  private readonly logger = new Logger(EvenSumPlanner.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly queue: TaskQueue,
    private readonly lifecycle: TaskLifecycle,
    private readonly chunks: ChunkResultsStore,
    private readonly fair: FairScheduler,
    private readonly chunkRunner: EvenSumChunkRunner,
    private readonly combiner: EvenSumCombiner,
  ) {}

  async plan(job: JobOf<JobName.EvenSumPlan>): Promise<void> {
    // A cancel deletes the input under a running plan: its failure then is nobody's.
    await this.lifecycle.unlessEnded(job.token, () => this.planOpen(job));
  }

  private async planOpen({ token, inputKey }: JobOf<JobName.EvenSumPlan>): Promise<void> {
    const record = await this.lifecycle.start(token);
    if (record.status !== 'received') return;
    const size = await this.blobs.size(inputKey);
    const proposed = this.config.chunkBytes;
    const chunkBytes = await this.chunks.plan(token, proposed, size);
    if (chunkBytes === null) return;
    const ranges = planChunks(size, chunkBytes);
    this.logger.log(
      { token, task: record.task, bytes: size, chunks: ranges.length },
      'job started',
    );
    if (ranges.length === 0) return this.combiner.combine(token);
    const unit = { token, inputKey, client: record.client, size };
    if (ranges.length === 1) return this.chunkRunner.run({ ...unit, ...ranges[0] });
    const recorded = await this.chunks.recorded(token);
    const todo = ranges.filter((r) => !recorded.has(r.index));
    // Every chunk recorded by an earlier run of this job: only the fan-in may be left to do.
    if (todo.length === 0) return this.combiner.combine(token);
    const fair = await this.fair.tag(
      record.client,
      QueueName.EvenSumChunk,
      todo.map((r) => ({ kind: 'chunk', bytes: r.end - r.start })),
    );
    await this.queue.addBulk(
      JobName.EvenSumChunk,
      todo.map((r, i) => ({
        jobId: chunkJobId(token, r.index),
        priority: fair[i]?.priority,
        data: { ...unit, ...r, tag: fair[i]?.tag },
      })),
    );
  }
}
