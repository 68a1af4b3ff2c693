import { randomPng } from './support/images';
import { http } from './support/http';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';

const METRICS = [
  { Name: 'QueueDepth', Unit: 'Count' },
  { Name: 'ActiveJobs', Unit: 'Count' },
  { Name: 'DelayedJobs', Unit: 'Count' },
];

/**
 * On AWS the api's stdout goes to CloudWatch Logs, which turns embedded-metric-format lines into the
 * metric the workers scale on. Here the real api, with no worker, holds queued jobs and must report
 * them in such lines: one JSON document per line, nothing around it.
 */
describe('queue depths as CloudWatch EMF lines (QUEUE_DEPTH_EMF_SECONDS)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 0,
      env: { QUEUE_DEPTH_EMF_SECONDS: '1', QUEUE_DEPTH_EMF_DEPLOYMENT: 'e2e-deployment' },
    });
  });
  afterAll(() => stack?.stop());

  /** The api's EMF documents, in the order written. */
  const emfLines = () => stack.api.logs().filter((line) => '_aws' in line);

  it('writes the waiting jobs of every work queue, in total and per queue, every interval', async () => {
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const res = await http(`${stack.url}/randomize`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: await randomPng(16, 16),
      });
      expect(res.status).toBe(201);
    }

    const total = await pollUntil(
      async () => emfLines().find((l) => l.QueueDepth === 3 && l.Queue === undefined),
      15_000,
      'an EMF line with the 3 waiting jobs',
    );
    expect(total).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          { Namespace: 'TaskService', Dimensions: [['Deployment']], Metrics: METRICS },
        ],
      },
      Deployment: 'e2e-deployment',
      QueueDepth: 3,
      ActiveJobs: 0,
      DelayedJobs: 0,
    });
    const timestamp = (total._aws as { Timestamp: number }).Timestamp;
    expect(timestamp).toBeGreaterThanOrEqual(started);
    expect(timestamp).toBeLessThanOrEqual(Date.now());

    // The same reading per queue.
    const perQueue = emfLines().filter(
      (l) => l.Queue !== undefined && (l._aws as { Timestamp: number }).Timestamp === timestamp,
    );
    for (const line of perQueue)
      expect(line).toEqual({
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [
            { Namespace: 'TaskService', Dimensions: [['Deployment', 'Queue']], Metrics: METRICS },
          ],
        },
        Deployment: 'e2e-deployment',
        Queue: expect.any(String),
        QueueDepth: expect.any(Number),
        ActiveJobs: 0,
        DelayedJobs: 0,
      });
    expect(perQueue.map((l) => l.Queue).sort()).toEqual([
      'even-sum',
      'even-sum-chunk',
      'randomize',
    ]);
    expect(perQueue.reduce((n, l) => n + (l.QueueDepth as number), 0)).toBe(3);

    // Every interval, not once: a later line follows within a few seconds.
    await pollUntil(
      async () =>
        emfLines().some((l) => (l._aws as { Timestamp: number }).Timestamp >= timestamp + 1000) ||
        undefined,
      10_000,
      'the next EMF line',
    );
  });
});
