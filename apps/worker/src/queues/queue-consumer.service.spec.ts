import type { Job } from 'bull';
import type { AppConfig } from '@app/tasks/config';
import type { FairScheduler } from '@app/tasks/fairness';
import { JobName } from '@app/tasks/queues';
import type { TaskQueue } from '@app/tasks/queues';
import type { TaskLifecycle } from '@app/tasks/records';
import { JobHandler } from './job-handler';
import { indexHandlers, QueueConsumer } from './queue-consumer.service';
import type { RetiredQueueDrain } from './retired-queue.drain';

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

describe(QueueConsumer.name, () => {
  const job = { name: JobName.EvenSumChunk, id: 'c1', attemptsMade: 5, data: { token: 't1' } };

  const consumer = (fail: jest.Mock) =>
    new QueueConsumer(
      {} as AppConfig,
      Object.values(JobName).map(handler),
      {} as TaskQueue,
      { fail } as unknown as TaskLifecycle,
      {} as FairScheduler,
      {} as RetiredQueueDrain,
    );

  it('keeps trying to record the final failure of a job while Redis is still coming back', async () => {
    const fail = jest
      .fn()
      .mockRejectedValueOnce(new Error("Stream isn't writeable"))
      .mockRejectedValueOnce(new Error("Stream isn't writeable"))
      .mockResolvedValueOnce(true);
    const sut = consumer(fail);
    const failedJob = { ...job, isFailed: async () => true } as unknown as Job;
    await sut['failed'](failedJob, new Error('boom'));
    expect(fail).toHaveBeenCalledTimes(3);
    expect(fail).toHaveBeenLastCalledWith('t1', 'processing failed after retries: boom');
  });

  it('records nothing for a job that bull will try again', async () => {
    const fail = jest.fn();
    const sut = consumer(fail);
    await sut['failed']({ ...job, isFailed: async () => false } as unknown as Job, new Error('x'));
    expect(fail).not.toHaveBeenCalled();
  });
});
