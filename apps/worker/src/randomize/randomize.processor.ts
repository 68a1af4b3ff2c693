import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { JobOf, JobName } from '@app/tasks/queues';
import { RandomizeRunner } from '@app/tasks/randomize';
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
