import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Job, JobStatus, Queue } from 'bull';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { JobName, JobOf, RetiredQueueName, TaskQueue } from '@app/tasks/queues';

// Every state in which a job still has to run. Failed and completed jobs are only history.
const PENDING: JobStatus[] = ['waiting', 'paused', 'delayed', 'active'];

/**
 * Moves the jobs an earlier version left in a retired queue (RetiredQueueName: the express lane) to
 * each job's own queue, so that an upgrade loses none. Runs when a worker starts and at every
 * cleanup sweep, since an api of the earlier version may still add to it during a rolling deploy.
 *
 * Idempotent, and safe in many workers at once: a job is first added to its queue under its own id
 * (bull ignores a second add of an id), then removed from the retired one; a crash in between leaves
 * it in both and the next run only removes it. At worst a job runs twice, which every job survives
 * (at-least-once). An active job whose lock is held is still running in an earlier worker: it is
 * left to finish there; if that worker dies, its lock expires and a later run moves it.
 */
@Injectable()
export class RetiredQueueDrain {
  private readonly logger = new Logger(RetiredQueueDrain.name);

  constructor(
    @InjectQueue(RetiredQueueName.Express) private readonly express: Queue,
    private readonly queues: TaskQueue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Moves every pending job of the retired queues; returns how many were moved. */
  async drain(): Promise<number> {
    let moved = 0;
    for (const state of PENDING)
      for (const job of await this.express.getJobs([state]))
        if (job && (await this.move(job, state))) moved++;
    // Failed jobs stay for the dashboard until their task expires, as in the live queues.
    await this.express.clean(this.config.resultTtlSeconds * 1000, 'failed');
    if (moved)
      this.logger.log({ queue: this.express.name, moved }, 'moved jobs of a retired queue');
    return moved;
  }

  private async move(job: Job, state: JobStatus): Promise<boolean> {
    const name = job.name as JobName;
    if (!Object.values(JobName).includes(name) || name === JobName.Cleanup) {
      this.logger.warn({ job: job.name, jobId: job.id }, 'retired queue: unknown job left alone');
      return false;
    }
    if (state === 'active' && (await this.express.client.exists(job.lockKey()))) return false;
    await this.queues.add(name, job.data as JobOf<typeof name>, {
      jobId: String(job.opts.jobId ?? job.id),
      // These units were due when queued (the lane took only those): first in their queue.
      priority: this.config.fairness.tags ? 1 : undefined,
    });
    try {
      await job.remove();
    } catch (err) {
      // Taken by an earlier worker since the listing: it runs there; the copy is a no-op or a rerun.
      this.logger.warn({ jobId: job.id, err }, 'retired queue: job not removed, left for next run');
    }
    return true;
  }
}
