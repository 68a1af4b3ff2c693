import type { Job } from 'bull';
import { JobOf, JobName } from '@app/tasks/queues';

/** One handler per job name; the worker refuses to start if a name has none or two. */
export interface JobHandler<N extends JobName = JobName> {
  readonly jobName: N;
  handle(job: Job<JobOf<N>>): Promise<void>;
}

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
