import { Injectable, Logger } from '@nestjs/common';
import { JobOf, QUEUE_OF } from '@app/tasks/queues/job-payloads';
import { JobName, TaskKind } from '@app/tasks/queues/queue-names';
import { TaskQueue } from '@app/tasks/queues/task-queue.service';
import { BlobStore, InjectBlobStore } from '@app/tasks/storage/blob-store';
import { TaskRecord } from '@app/tasks/tasks/task-record';
import { TaskStore } from '@app/tasks/tasks/task-store.service';
import { unavailable } from '@app/tasks/http/task-http.errors';
import { ClientUsageStore } from '@app/tasks/limits/client-usage.store';
import { FairScheduler } from '@app/tasks/fairness/fair-scheduler.service';
import { WorkUnit } from '@app/tasks/fairness/fairness-policy';
import { SubmissionMetrics } from '@app/tasks/metrics/submission-metrics.service';
import { quotaExceeded } from './quota.errors';

export interface Submission<N extends JobName> {
  token: string;
  task: TaskKind;
  client: string;
  requestedAt: number;
  inputKey: string;
  bytes: number;
  job: N;
  data: JobOf<N>;
  /** The first job as a unit of work, for its fair-queuing cost (FairnessPolicy). */
  unit: WorkUnit;
  /** Bytes counted against MAX_STORED_BYTES_PER_CLIENT, when more than `bytes` (a result's bound). */
  reservedBytes?: number;
}

/** Creates the task record and enqueues its first job; undoes both (and the blob) if either fails. */
@Injectable()
export class TaskSubmitter {
  private readonly logger = new Logger(TaskSubmitter.name);

  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskQueue,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly metrics: SubmissionMetrics,
    private readonly usage: ClientUsageStore,
    private readonly fair: FairScheduler,
  ) {}

  async submit<N extends JobName>(s: Submission<N>): Promise<void> {
    const record: TaskRecord = {
      token: s.token,
      task: s.task,
      client: s.client,
      status: 'requested',
      requestedAt: s.requestedAt,
      enqueuedAt: Date.now(),
      inputKey: s.inputKey,
      bytes: s.bytes,
    };
    // Replaces the token's own upload or session reservation, if any, with the task's.
    const reservedBytes = Math.max(s.bytes, s.reservedBytes ?? 0);
    const reserved = await this.usage
      .reserve(s.client, s.token, reservedBytes)
      .catch((err: unknown) => this.fail(s, err));
    if (reserved !== 'ok') {
      await this.discard(s.token);
      await this.usage.cancel(s.client, s.token).catch(() => undefined);
      throw quotaExceeded(reserved, reservedBytes);
    }
    try {
      // Record first: a worker that takes the job at once must find it.
      await this.store.create(record);
      const [fair] = await this.fair.tag(s.client, QUEUE_OF[s.job], [s.unit]);
      await this.queue.add(
        s.job,
        { ...s.data, tag: fair?.tag },
        { jobId: s.token, priority: fair?.priority, express: fair?.express },
      );
    } catch (err) {
      await this.usage.cancel(s.client, s.token).catch(() => undefined);
      await this.fail(s, err);
    }
    this.metrics.uploadBytes.inc({ task: s.task }, s.bytes);
    this.logger.log({ token: s.token, task: s.task, bytes: s.bytes }, 'task submitted');
  }

  private async fail(s: Pick<Submission<JobName>, 'token' | 'task'>, err: unknown): Promise<never> {
    this.logger.error({ token: s.token, task: s.task, err }, 'submission failed');
    await this.discard(s.token);
    throw unavailable('the task queue is unavailable, try again shortly');
  }

  /** Removes whatever a failed submission left behind. */
  async discard(token: string): Promise<void> {
    await Promise.allSettled([this.store.delete(token), this.blobs.deletePrefix(`${token}/`)]);
  }
}
