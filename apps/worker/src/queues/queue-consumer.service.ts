import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bull';
import { AppConfig, InjectConfig } from '@app/tasks/config/app-config';
import { JobName, QueueName } from '@app/tasks/queues/queue-names';
import { FairUnit, QUEUE_OF } from '@app/tasks/queues/job-payloads';
import { FairScheduler } from '@app/tasks/fairness/fair-scheduler.service';
import { TaskQueue } from '@app/tasks/queues/task-queue.service';
import { TaskLifecycle } from '@app/tasks/tasks/task-lifecycle.service';
import { clientMessage, isFinalAttempt, isPermanent } from './job-failure';
import { JOB_HANDLERS, JobHandler } from './job-handler';

/**
 * Starts consuming only once the whole app is initialised (onApplicationBootstrap), with the
 * configured concurrency: bull's @Process decorator takes concurrency at class-definition time,
 * before the config exists, which is why handlers are registered here instead.
 */
@Injectable()
export class QueueConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueConsumer.name);
  private readonly handlers: Map<JobName, JobHandler>;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @Inject(JOB_HANDLERS) handlers: JobHandler[],
    private readonly queues: TaskQueue,
    private readonly lifecycle: TaskLifecycle,
    private readonly fair: FairScheduler,
  ) {
    this.handlers = indexHandlers(handlers);
  }

  onApplicationBootstrap(): void {
    for (const [name, handler] of this.handlers) {
      const queue = this.queues.queue(QUEUE_OF[name]);
      const concurrency = QUEUE_OF[name] === QueueName.Maintenance ? 1 : this.config.workerConcurrency;
      void queue.process(name, concurrency, (job: Job) => this.run(handler, job));
    }
    this.logger.log({ concurrency: this.config.workerConcurrency, jobs: [...this.handlers.keys()] }, 'consuming');
  }

  /** SIGTERM: stop taking jobs and let active ones finish (bull's close waits for them). */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.all().map((q) => q.close()));
  }

  private async run(handler: JobHandler, job: Job): Promise<void> {
    try {
      await this.fair.started((job.data as FairUnit).tag);
      await handler.handle(job);
    } catch (err) {
      const token = (job.data as { token?: string }).token;
      this.logger.warn({ token, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1, err }, 'job failed');
      if (isPermanent(err)) await job.discard();
      if (token && isFinalAttempt(job, err)) await this.lifecycle.fail(token, clientMessage(err));
      throw err;
    }
  }
}

/** Every job name must have exactly one handler: a missing or doubled one fails the boot. */
export function indexHandlers(handlers: JobHandler[]): Map<JobName, JobHandler> {
  const byName = new Map<JobName, JobHandler>();
  for (const handler of handlers) {
    if (byName.has(handler.jobName)) throw new Error(`two handlers for job ${handler.jobName}`);
    byName.set(handler.jobName, handler);
  }
  const missing = Object.values(JobName).filter((name) => !byName.has(name));
  if (missing.length) throw new Error(`no handler for job(s) ${missing.join(', ')}`);
  return byName;
}
