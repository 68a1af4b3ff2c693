import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { EvenSumPlanner } from '@app/tasks/even-sum';
import { JobOf, JobName } from '@app/tasks/queues';
import { JobHandler } from '../queues/job-handler';

/** Thin: splits an uploaded file into chunk jobs. */
@Injectable()
export class EvenSumPlanProcessor implements JobHandler<JobName.EvenSumPlan> {
  readonly jobName = JobName.EvenSumPlan;

  constructor(private readonly runner: EvenSumPlanner) {}

  handle(job: Job<JobOf<JobName.EvenSumPlan>>): Promise<void> {
    return this.runner.plan(job.data);
  }
}
