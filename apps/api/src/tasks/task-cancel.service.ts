import { Injectable, Logger } from '@nestjs/common';
import { isTaskToken, TaskKind } from '@app/tasks/contract';
import { chunkJobId, JobName, QUEUE_OF, QueueName, TaskQueue } from '@app/tasks/queues';
import { TaskStore } from '@app/tasks/records';
import { BlobStore, InjectBlobStore } from '@app/tasks/storage';
import { notFound } from '../http/task-http.errors';

/** What a DELETE did: an open task is now `cancelled`; an ended one is gone. */
export type CancelResult = 'cancelled' | 'deleted';

/**
 * DELETE /<kind>/:token. The decision is one Redis step (TaskStore.cancel: status, quota, chunk
 * state); everything after it here is clean-up that every worker step also respects on its own:
 * waiting jobs removed (a running one stops at its next part or finds its task ended), blobs
 * deleted (a randomize run that stores its output after this deletes it, as its finish is refused).
 */
@Injectable()
export class TaskCancelService {
  private readonly logger = new Logger(TaskCancelService.name);

  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskQueue,
    @InjectBlobStore() private readonly blobs: BlobStore,
  ) {}

  /** Cancels the client's open task or deletes its ended one; 404 for anyone else's or none. */
  async cancel(kind: TaskKind, token: string, client: string): Promise<CancelResult> {
    if (!isTaskToken(token)) throw notFound();
    const record = await this.store.get(token);
    // The kind never changes, so checking it before the script is as good as inside it.
    if (!record || record.task !== kind || record.client !== client) throw notFound();
    const { outcome, chunksTotal } = await this.store.cancel(token, client);
    if (outcome === 'not-found') throw notFound();
    if (outcome === 'cancelled') {
      const removed = await this.removeJobs(kind, token, chunksTotal).catch((err: unknown) => {
        // Left behind, they run, find the task ended and do nothing.
        this.logger.warn({ token, err }, 'removing the jobs of a cancelled task failed');
        return 0;
      });
      this.logger.log({ token, task: kind, jobsRemoved: removed }, 'task cancelled');
    } else if (outcome === 'deleted') {
      this.logger.log({ token, task: kind }, 'ended task deleted');
    }
    // Again on an already cancelled task too: a first DELETE cut off before it got here leaves
    // nothing behind. Until then (or if storage fails now) the expiry sweep is the backstop.
    await this.blobs.deletePrefix(`${token}/`).catch((err: unknown) => {
      this.logger.warn({ token, err }, 'deleting the blobs of a cancelled task failed');
    });
    return outcome === 'deleted' ? 'deleted' : 'cancelled';
  }

  /** The task's jobs that have not started: its first job and its chunks. */
  private async removeJobs(kind: TaskKind, token: string, chunksTotal: number): Promise<number> {
    const first = kind === TaskKind.Randomize ? JobName.Randomize : JobName.EvenSumPlan;
    const chunks = Array.from({ length: chunksTotal }, (_, i) => chunkJobId(token, i));
    const removed = await Promise.all([
      this.queue.removeIfNotRunning(QUEUE_OF[first], [token]),
      this.queue.removeIfNotRunning(QueueName.EvenSumChunk, chunks),
    ]);
    return removed.reduce((a, b) => a + b, 0);
  }
}
