import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { JobName, QueueName } from './queue-names';
import { JobOf, QUEUE_OF } from './job-payloads';
import { withRedisTimeout } from '../redis';

// bull's own connections queue commands while Redis is away; a submission must fail fast (503) instead.
const ADD_TIMEOUT_MS = 5000;

// Job removals in flight at once when a task is cancelled.
const REMOVE_BATCH = 50;

const RETRY: JobOptions = {
  // Five tries with 1, 2, 4, 8 s backoff: a job that failed because Redis was restarting (its task
  // record unreachable) gets ~15 s for Redis to come back; bad input is discarded on the first try
  // (PermanentTaskError). bench:chaos ended a task errored with three tries (1 + 2 s).
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  // The task record is the source of truth; finished jobs would only fill Redis.
  removeOnComplete: true,
  // Failed jobs stay a day for the dashboard (bounded), then go.
  removeOnFail: { age: 86400, count: 1000 },
};

const JOB_OPTIONS: { [N in JobName]: JobOptions } = {
  [JobName.Randomize]: RETRY,
  [JobName.EvenSumPlan]: RETRY,
  [JobName.EvenSumChunk]: RETRY,
  [JobName.Cleanup]: { removeOnComplete: true, removeOnFail: true },
  // attempts and backoff come from the config (WEBHOOK_*): see addWebhook. A delivered job is kept
  // a day, so that a second add of the same token (a worker that died between the add and the
  // removal from the due set) is ignored by bull rather than delivered again.
  [JobName.WebhookDeliver]: { removeOnComplete: { age: 86400 }, removeOnFail: { age: 86400 } },
};

/** A job's id (makes the add idempotent) and its fair priority in its queue (absent: FIFO). */
export interface Placement {
  jobId: string;
  priority?: number;
}

/** A webhook job's retry settings (WEBHOOK_MAX_ATTEMPTS, WEBHOOK_BACKOFF_MS). */
export interface WebhookRetry {
  maxAttempts: number;
  backoffMs: number;
}

/** The one producer: knows each job's queue and options, so callers pass only a typed payload. */
@Injectable()
export class TaskQueue {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.Randomize) randomize: Queue,
    @InjectQueue(QueueName.EvenSum) evenSum: Queue,
    @InjectQueue(QueueName.EvenSumChunk) evenSumChunk: Queue,
    @InjectQueue(QueueName.Maintenance) maintenance: Queue,
    @InjectQueue(QueueName.Webhook) webhook: Queue,
  ) {
    this.queues = {
      [QueueName.Randomize]: randomize,
      [QueueName.EvenSum]: evenSum,
      [QueueName.EvenSumChunk]: evenSumChunk,
      [QueueName.Maintenance]: maintenance,
      [QueueName.Webhook]: webhook,
    };
  }

  /** Enqueues a job. `jobId` makes the add idempotent (bull ignores a second add with the same id). */
  async add<N extends JobName>(
    name: N,
    data: JobOf<N>,
    { jobId, priority }: Placement,
  ): Promise<void> {
    await withRedisTimeout(
      this.queue(QUEUE_OF[name]).add(name, data, { ...JOB_OPTIONS[name], jobId, priority }),
      ADD_TIMEOUT_MS,
    );
  }

  /**
   * Enqueues a task's callback delivery: job id = token, so however often the due set hands it
   * over, bull holds one job; retried `maxAttempts` times with exponential backoff from `backoffMs`.
   */
  async addWebhook(token: string, { maxAttempts, backoffMs }: WebhookRetry): Promise<void> {
    await withRedisTimeout(
      this.queue(QueueName.Webhook).add(
        JobName.WebhookDeliver,
        { token },
        {
          ...JOB_OPTIONS[JobName.WebhookDeliver],
          jobId: token,
          attempts: maxAttempts,
          backoff: { type: 'exponential', delay: backoffMs },
        },
      ),
      ADD_TIMEOUT_MS,
    );
  }

  /** Enqueues many jobs of one kind in one round trip. */
  async addBulk<N extends JobName>(
    name: N,
    jobs: { data: JobOf<N>; jobId: string; priority?: number }[],
  ): Promise<void> {
    await withRedisTimeout(
      this.queue(QUEUE_OF[name]).addBulk(
        jobs.map(({ data, ...options }) => ({
          name,
          data,
          opts: { ...JOB_OPTIONS[name], ...options },
        })),
      ),
      ADD_TIMEOUT_MS,
    );
  }

  /**
   * Removes the jobs of `name` with these ids that are still waiting (or delayed); a running job
   * is locked by its worker and stays (it must find its task gone), a missing one is skipped.
   */
  async removeWaiting<N extends JobName>(name: N, jobIds: string[]): Promise<void> {
    const queue = this.queue(QUEUE_OF[name]);
    await Promise.all(
      jobIds.map(async (id) => {
        const job = await queue.getJob(id);
        if (job && !(await job.isActive())) await job.remove().catch(() => undefined);
      }),
    );
  }

  /** Schedules a payload-less job every `everyMs` (one schedule per job name, whoever asks). */
  async repeat(name: JobName.Cleanup, everyMs: number): Promise<void> {
    await this.queue(QUEUE_OF[name]).add(
      name,
      {},
      { ...JOB_OPTIONS[name], repeat: { every: everyMs }, jobId: name },
    );
  }

  /**
   * Removes the jobs with these ids from `queue` if they are waiting, delayed (a retry's backoff)
   * or failed; a job running now (locked by its worker) stays and finds its task ended. Returns
   * how many were removed.
   */
  async removeIfNotRunning(queue: QueueName, jobIds: string[]): Promise<number> {
    const q = this.queue(queue);
    let removed = 0;
    // A few at a time: a 5 GB file in small chunks has thousands of chunk jobs.
    for (let i = 0; i < jobIds.length; i += REMOVE_BATCH) {
      const batch = jobIds.slice(i, i + REMOVE_BATCH);
      const done = await Promise.all(
        batch.map(async (id) => {
          const job = await q.getJob(id);
          // bull refuses to remove a locked (active) job: it throws, and the job runs on.
          return job
            ? job.remove().then(
                () => 1,
                () => 0,
              )
            : 0;
        }),
      );
      removed += done.reduce((a: number, b: number) => a + b, 0);
    }
    return removed;
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  all(): Queue[] {
    return Object.values(this.queues);
  }
}
