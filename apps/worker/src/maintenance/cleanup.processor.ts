import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { JobName, TaskQueue } from '@app/tasks/queues';
import { TaskCleaner } from '@app/tasks/records';
import { JobHandler } from '../queues/job-handler';
import { RetiredQueueDrain } from '../queues/retired-queue.drain';

/** Runs the expiry sweep as a repeatable job, so one worker among many does it each interval. */
@Injectable()
export class CleanupProcessor implements JobHandler<JobName.Cleanup>, OnApplicationBootstrap {
  readonly jobName = JobName.Cleanup;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly queue: TaskQueue,
    private readonly cleaner: TaskCleaner,
    private readonly retired: RetiredQueueDrain,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Same repeat key from every worker: bull keeps one schedule however many workers start.
    await this.queue.repeat(JobName.Cleanup, this.config.cleanupIntervalSeconds * 1000);
  }

  async handle(): Promise<void> {
    await this.cleaner.sweep();
    // An earlier version's api may still add to a retired queue during a rolling deploy. After the
    // sweep, so that a failure here (the job fails, logged; the next interval tries again) skips nothing.
    await this.retired.drain();
  }
}
