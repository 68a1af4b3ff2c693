import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { JobName, JobOf } from '@app/tasks/queues';
import { WebhookDelivery } from '@app/tasks/webhooks';
import { JobHandler } from '../queues/job-handler';

/** One attempt of a task's callback; bull's attempts and backoff make the retries. */
@Injectable()
export class WebhookProcessor implements JobHandler<JobName.WebhookDeliver> {
  readonly jobName = JobName.WebhookDeliver;

  constructor(private readonly delivery: WebhookDelivery) {}

  async handle(job: Job<JobOf<JobName.WebhookDeliver>>): Promise<void> {
    const attempt = job.attemptsMade + 1;
    await this.delivery.attempt(job.data.token, attempt, attempt >= (job.opts.attempts ?? 1));
  }
}
