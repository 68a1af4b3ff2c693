import { TaskKind } from '@app/tasks/contract';
import { ChunkReadiness } from '@app/tasks/even-sum';
import { FairScheduler } from '@app/tasks/fairness';
import { JobName, QueueName, TaskQueue } from '@app/tasks/queues';
import { TaskStore } from '@app/tasks/records';

/** The task a pipelined upload is storing. */
export interface PipelinedUpload {
  token: string;
  client: string;
  inputKey: string;
  requestedAt: number;
}

/**
 * The chunk jobs of an even-sum upload still in progress (fs storage, whose file is readable as
 * it grows). Each time a batch of the body is stored, the chunks whose bytes (and the bytes their
 * scan reads past their end) are all stored are queued at once; the first one creates the task
 * record with its split (`chunkBytes`) and no `chunksTotal`, so no chunk can finish the task
 * before the body has ended: the plan job, queued then, sets `chunksTotal` and queues the rest.
 * A failed upload cancels what was queued: `cancel`.
 */
export class PipelinedChunks {
  private readonly readiness: ChunkReadiness;
  private opened = false;

  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskQueue,
    private readonly fair: FairScheduler,
    private readonly upload: PipelinedUpload,
    private readonly chunkBytes: number,
  ) {
    this.readiness = new ChunkReadiness(chunkBytes);
  }

  /** True once a chunk job was queued (the task record exists). */
  get started(): boolean {
    return this.opened;
  }

  /** PutOptions.onWritten: queues the chunks the stored bytes made ready. */
  readonly onWritten = async (stored: number, batch: readonly Buffer[]): Promise<void> => {
    const ready = this.readiness.stored(stored, batch);
    if (ready.length === 0) return;
    const { token, client, inputKey, requestedAt } = this.upload;
    if (!this.opened) {
      // Marked first: a create whose reply is lost may have written the record, which cancel removes.
      this.opened = true;
      // Before the first job: a worker that takes it at once must find the record.
      await this.store.create({
        token,
        task: TaskKind.EvenSum,
        client,
        status: 'requested',
        requestedAt,
        inputKey,
        bytes: 0,
        chunkBytes: this.chunkBytes,
        bytesReceived: stored,
        chunksDone: 0,
        bytesDone: 0,
      });
    } else {
      // Progress, once per queued batch of chunks (not per 64 KiB of body).
      await this.store.update(token, { bytesReceived: stored }, ['requested', 'received']);
    }
    const fair = await this.fair.tag(
      client,
      QueueName.EvenSumChunk,
      ready.map((r) => ({ kind: 'chunk', bytes: r.end - r.start })),
    );
    await this.queue.addBulk(
      JobName.EvenSumChunk,
      ready.map((r, i) => ({
        jobId: `${token}-c${r.index}`,
        priority: fair[i]?.priority,
        // `size`: what is stored now; the chunk's scan reads nothing past it (ChunkReadiness).
        data: { token, inputKey, client, ...r, size: stored, tag: fair[i]?.tag },
      })),
    );
  };

  /**
   * Undoes the queued chunks of a failed upload: the record with its chunk results and progress
   * first (a chunk job running now finds its task gone and records nothing), then the jobs still
   * waiting. The blob is the caller's (the store removes a failed put's file).
   */
  async cancel(): Promise<void> {
    if (!this.opened) return;
    const { token, client } = this.upload;
    await this.store.delete(token);
    await this.store.unindex(client, token);
    await this.queue.removeWaiting(
      JobName.EvenSumChunk,
      Array.from({ length: this.readiness.count }, (_, i) => `${token}-c${i}`),
    );
  }
}
