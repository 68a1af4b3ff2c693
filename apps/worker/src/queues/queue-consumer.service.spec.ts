import { JobName } from '@app/tasks/queues/queue-names';
import { JobHandler } from './job-handler';
import { indexHandlers } from './queue-consumer.service';

const handler = (jobName: JobName): JobHandler => ({ jobName, handle: async () => undefined });

describe(indexHandlers.name, () => {
  it('indexes one handler per job name', () => {
    const sut = indexHandlers(Object.values(JobName).map(handler));
    expect([...sut.keys()].sort()).toEqual(Object.values(JobName).sort());
  });

  it('fails the boot when a job name has no handler', () => {
    expect(() => indexHandlers([handler(JobName.Randomize)])).toThrow(
      /no handler for job\(s\) even-sum.plan/,
    );
  });

  it('fails the boot when a job name has two handlers', () => {
    const all = Object.values(JobName).map(handler);
    expect(() => indexHandlers([...all, handler(JobName.Randomize)])).toThrow(
      'two handlers for job randomize',
    );
  });
});
