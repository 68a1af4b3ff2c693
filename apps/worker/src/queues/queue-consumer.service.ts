import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Job } from 'bull';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { JobName, QueueName, FairUnit, QUEUE_OF, TaskQueue } from '@app/tasks/queues';
import { FairScheduler } from '@app/tasks/fairness';
import { TaskLifecycle } from '@app/tasks/records';
import { settlesWithin } from '@app/tasks/timing';
import { clientMessage, isPermanent } from './job-failure';
import { JOB_HANDLERS, JobHandler } from './job-handler';
import { RetiredQueueDrain } from './retired-queue.drain';

/**
 * Starts consuming only once the whole app is initialised (onApplicationBootstrap), with the
 * configured concurrency: bull's @Process decorator takes concurrency at class-definition time,
 * before the config exists, which is why handlers are registered here instead.
 */
@Injectable()
export class QueueConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueConsumer.name);
  private readonly handlers: Map<JobName, JobHandler>;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @Inject(JOB_HANDLERS) handlers: JobHandler[],
    private readonly queues: TaskQueue,
    private readonly lifecycle: TaskLifecycle,
    private readonly fair: FairScheduler,
    private readonly retired: RetiredQueueDrain,
  ) {
    this.handlers = indexHandlers(handlers);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Jobs an earlier version left in a retired queue go to their own queues before consuming starts.
    await this.retired.drain().catch((err: unknown) => {
      this.logger.warn({ err }, 'retired queues not drained: the next cleanup sweep tries again');
    });
    for (const [name, handler] of this.handlers) {
      const queue = this.queues.queue(QUEUE_OF[name]);
      const concurrency = concurrencyOf(QUEUE_OF[name], this.config.workerConcurrency);
      void queue.process(name, concurrency, (job: Job) => this.run(handler, job));
    }
    for (const queue of this.queues.all())
      queue.on('failed', (job: Job | null, err: Error) => void this.failed(job, err));
    this.logger.log(
      { concurrency: this.config.workerConcurrency, jobs: [...this.handlers.keys()] },
      'consuming',
    );
  }

  /**
   * SIGTERM: stop taking jobs and let active ones finish, up to SHUTDOWN_TIMEOUT_MS; past that the
   * connections close anyway and the unfinished jobs go back to the queue through stalled-job
   * recovery. Runs before other shutdown hooks, so the scan pool is still there for active jobs.
   */
  async beforeApplicationShutdown(): Promise<void> {
    // A local pause stops taking jobs and waits for the active ones. Not close(): bull's close()
    // memoises its promise, so a later close(true) would wait for the jobs too, past the timeout.
    const drained = Promise.all(this.queues.all().map((q) => q.pause(true)));
    if (!(await settlesWithin(drained, this.config.shutdownTimeoutMs)))
      this.logger.warn(
        { timeoutMs: this.config.shutdownTimeoutMs },
        'active jobs did not finish in time: handing them back',
      );
    await Promise.all(this.queues.all().map((q) => q.close(true)));
  }

  private async run(handler: JobHandler, job: Job): Promise<void> {
    await this.fair.started(QUEUE_OF[job.name as JobName], (job.data as FairUnit).tag);
    try {
      await handler.handle(job);
    } catch (err) {
      // Retrying cannot fix bad input: no further attempts (bull still reports the failure).
      if (isPermanent(err)) await job.discard();
      throw err;
    }
  }

  /**
   * Every failure of a job lands here, including a job failed by stalled-job checks (its worker
   * died too often) which never passed through run(). Only the last one ends the task `errored`.
   */
  private async failed(job: Job | null, err: Error): Promise<void> {
    // bull may report a failure of a job it already removed (removeOnFail): nothing to record.
    if (!job) return;
    const token = (job.data as { token?: string }).token;
    this.logger.warn(
      { token, job: job.name, jobId: job.id, attempt: job.attemptsMade, err },
      'job failed',
    );
    // A callback's failure is its own (WebhookDelivery writes it); its task has ended already.
    if (!token || job.name === JobName.WebhookDeliver) return;
    // The end of a task must not be lost: bull can report a failure the moment its own client is
    // back after a Redis outage while the task-record client is still reconnecting, and a task left
    // `received` with no job to finish it would wait forever. So keep trying, with backoff.
    for (let attempt = 1, delayMs = 200; ; attempt++, delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        if (await job.isFailed()) await this.lifecycle.fail(token, clientMessage(err));
        return;
      } catch (recordErr) {
        if (attempt >= RECORD_FAILURE_ATTEMPTS) {
          this.logger.error({ token, err: recordErr, attempt }, 'could not record the failure');
          return;
        }
        this.logger.warn({ token, err: recordErr, attempt }, 'recording the failure: retrying');
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      }
    }
  }
}

/**
 * Jobs run at once per queue: maintenance one at a time; callbacks, which mostly wait on the
 * network, at least 16 (a slow receiver holds one for up to WEBHOOK_TIMEOUT_MS).
 */
function concurrencyOf(queue: QueueName, workerConcurrency: number): number {
  if (queue === QueueName.Maintenance) return 1;
  if (queue === QueueName.Webhook) return Math.max(16, workerConcurrency);
  return workerConcurrency;
}

/** 200 ms doubling up to 5 s a try: about two minutes, longer than a Redis restart takes. */
const RECORD_FAILURE_ATTEMPTS = 30;

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
