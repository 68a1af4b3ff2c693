import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { JobOf } from '@app/tasks/queues/job-payloads';
import { JobName } from '@app/tasks/queues/queue-names';
import { RandomizeRunner } from '@app/tasks/randomize/randomize.runner';
import { JobHandler } from '../queues/job-handler';

/** Thin: hands the payload to RandomizeRunner. */
@Injectable()
export class RandomizeProcessor implements JobHandler<JobName.Randomize> {
  readonly jobName = JobName.Randomize;

  constructor(private readonly runner: RandomizeRunner) {}

  handle(job: Job<JobOf<JobName.Randomize>>): Promise<void> {
    return this.runner.run(job.data);
  }
}
