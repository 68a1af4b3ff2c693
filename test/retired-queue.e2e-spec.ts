import Queue from 'bull';
import type { Job, Queue as BullQueue } from 'bull';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { QueueName, RetiredQueueName } from '@app/tasks/queues';
import { http, waitForTask } from './support/http';
import { randomPng } from './support/images';
import { withRedis } from './support/faults';
import { Stack } from './support/stack';
import { upload } from './support/upload';

/** Job options as the earlier version's api gave an express job. */
const EARLIER = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
};

describe('upgrade from a version with the express lane', () => {
  let stack: Stack;
  const queues: BullQueue[] = [];
  const queue = (name: string): BullQueue => {
    const q = new Queue(name, stack.redisUrl, { prefix: stack.prefix });
    queues.push(q);
    return q;
  };

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await stack?.stop();
  });

  /** Moves a task's job from its own queue to the express queue, as the earlier version queued it. */
  async function toExpress(own: BullQueue, token: string, opts: object = {}): Promise<Job> {
    const job = (await own.getJob(token))!;
    const moved = await queue(RetiredQueueName.Express).add(job.name, job.data, {
      ...EARLIER,
      jobId: token,
      ...opts,
    });
    await job.remove();
    return moved;
  }

  it('runs every job the earlier version left in the express queue, waiting, delayed or orphaned active, once the new worker starts', async () => {
    const express = queue(RetiredQueueName.Express);
    const randomize = queue(QueueName.Randomize);
    const evenSum = queue(QueueName.EvenSum);
    const image = async () =>
      (
        await http<{ token: string }>(`${stack.url}/randomize`, {
          method: 'POST',
          headers: { 'content-type': 'image/png' },
          body: await randomPng(40, 40),
        })
      ).body.token;
    const numbers = generateNumbers({ bytes: 100_000, seed: 9 });
    const sum = (await upload(`${stack.url}/even-sum`, numbers.stream)).body.token as string;
    const [waiting, delayed, orphaned, both] = [await image(), await image(), await image(), sum];

    await toExpress(randomize, waiting);
    // In backoff after a failed attempt: a delay far past the test's end.
    await toExpress(randomize, delayed, { delay: 3_600_000 });
    // Taken by an earlier worker that died: active, its lock gone.
    await toExpress(randomize, orphaned, { priority: 1 });
    const taken = (await express.getNextJob())!;
    expect(taken.id).toBe(orphaned);
    await withRedis(stack, (redis) => redis.del(taken.lockKey()));
    // Left in both queues by a drain that crashed between its add and its remove.
    const plan = (await evenSum.getJob(both))!;
    await express.add(plan.name, plan.data, { ...EARLIER, jobId: both });
    expect(await express.getJobCounts()).toMatchObject({ waiting: 2, active: 1, delayed: 1 });

    // Started with what an earlier compose gave its express worker: ignored, with one warning.
    const worker = await stack.startWorker({ WORKER_LANES: 'express', WORKER_NICE: '0' });

    for (const token of [waiting, delayed, orphaned])
      expect((await waitForTask(stack.url, 'randomize', token, 30_000)).status).toBe('finished');
    expect((await waitForTask(stack.url, 'even-sum', both, 30_000)).status).toBe('finished');
    expect((await http(`${stack.url}/even-sum/${both}/result`)).body.sum).toBe(
      (await numbers.expected).sum,
    );
    expect(await express.getJobCounts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
    const logs = worker.logs();
    expect(logs.filter((l) => l.msg === 'moved jobs of a retired queue')).toEqual([
      expect.objectContaining({ queue: 'express', moved: 4 }),
    ]);
    expect(logs.filter((l) => l.msg === 'ignoring retired settings')).toEqual([
      expect.objectContaining({
        settings: [
          expect.objectContaining({ name: 'WORKER_LANES' }),
          expect.objectContaining({ name: 'WORKER_NICE' }),
        ],
      }),
    ]);
  });
});
