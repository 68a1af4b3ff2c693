import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { EvenSumRunner } from '@app/tasks/even-sum/even-sum.runner';
import { JobOf } from '@app/tasks/queues/job-payloads';
import { JobName } from '@app/tasks/queues/queue-names';
import { JobHandler } from '../queues/job-handler';

/** Thin: scans one byte range of an uploaded file. */
@Injectable()
export class EvenSumChunkProcessor implements JobHandler<JobName.EvenSumChunk> {
  readonly jobName = JobName.EvenSumChunk;

  constructor(private readonly runner: EvenSumRunner) {}

  handle(job: Job<JobOf<JobName.EvenSumChunk>>): Promise<void> {
    return this.runner.chunk(job.data);
  }
}
