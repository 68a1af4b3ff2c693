import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { EvenSumChunkRunner } from '@app/tasks/even-sum';
import { JobOf, JobName } from '@app/tasks/queues';
import { JobHandler } from '../queues/job-handler';

/** Thin: scans one byte range of an uploaded file. */
@Injectable()
export class EvenSumChunkProcessor implements JobHandler<JobName.EvenSumChunk> {
  readonly jobName = JobName.EvenSumChunk;

  constructor(private readonly runner: EvenSumChunkRunner) {}

  handle(job: Job<JobOf<JobName.EvenSumChunk>>): Promise<void> {
    return this.runner.run(job.data);
  }
}
