import { Readable } from 'node:stream';
import { randomPng } from './support/images';
import { http, waitForTask } from './support/http';
import { Stack } from './support/stack';
import { upload } from './support/upload';

/** The value of one sample line of a Prometheus exposition, e.g. `task_lead_time_seconds_count{task="randomize"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('task metrics, logs and the queue dashboard', () => {
  let stack: Stack;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, env: { ADMIN_TOKEN: 'sekret' } });
    const image = await http<{ token: string }>(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await randomPng(120, 120),
    });
    const sum = await upload(`${stack.url}/even-sum`, Readable.from(['1 2 3 4 5 6\n']));
    tokens.randomize = image.body.token;
    tokens['even-sum'] = sum.body.token as string;
    await waitForTask(stack.url, 'randomize', tokens.randomize);
    await waitForTask(stack.url, 'even-sum', tokens['even-sum']);
  });
  afterAll(() => stack?.stop());

  it.each(['randomize', 'even-sum'] as const)(
    'shows execution, queue wait and lead time in the %s status, lead ≥ execution',
    async (kind) => {
      const { body } = await http(`${stack.url}/${kind}/${tokens[kind]}/status`);
      expect(body.status).toBe('finished');
      for (const field of ['executionMs', 'queueWaitMs', 'leadTimeMs'])
        expect(typeof body[field]).toBe('number');
      expect(body.leadTimeMs as number).toBeGreaterThanOrEqual(body.executionMs as number);
    },
  );

  it('exports the worker histograms with a count per task, and the api counters', async () => {
    const worker = (await http(`${stack.workers[0].url}/metrics`)).bytes.toString();
    for (const task of ['randomize', 'even-sum']) {
      for (const name of [
        'task_execution_seconds',
        'task_lead_time_seconds',
        'task_queue_wait_seconds',
      ]) {
        expect(sample(worker, `${name}_count{task="${task}"}`)).toBeGreaterThanOrEqual(1);
      }
      expect(
        sample(worker, `tasks_finished_total{task="${task}",outcome="finished"}`),
      ).toBeGreaterThanOrEqual(1);
    }
    expect(worker).toContain('nodejs_eventloop_lag_seconds');
    expect(worker).toMatch(/task_lead_time_seconds_bucket\{le="0.05",task="randomize"\}/);
    expect(worker).toMatch(/task_lead_time_seconds_bucket\{le="1800",task="randomize"\}/);

    const api = (await http(`${stack.url}/metrics`)).bytes.toString();
    expect(sample(api, 'tasks_submitted_total{task="randomize"}')).toBe(1);
    expect(sample(api, 'tasks_submitted_total{task="even-sum"}')).toBe(1);
    expect(sample(api, 'upload_bytes_total{task="even-sum"}')).toBe(12);
    expect(api).toMatch(/queue_jobs\{queue="randomize",state="waiting"\} 0/);
    expect(api).not.toMatch(/[0-9a-f]{32}/);
  });

  it('logs one structured line per finished task with its durations', () => {
    const lines = stack.workers[0].logs().filter((l) => l.msg === 'task finished');
    for (const task of ['randomize', 'even-sum']) {
      const line = lines.find((l) => l.task === task);
      expect(line).toMatchObject({ level: 30, token: tokens[task], outcome: 'finished' });
      for (const field of ['executionMs', 'queueWaitMs', 'leadTimeMs', 'bytes'])
        expect(typeof line?.[field]).toBe('number');
    }
  });

  it('guards /queues with ADMIN_TOKEN (bearer or basic)', async () => {
    expect((await http(`${stack.url}/queues`)).status).toBe(401);
    expect(
      (await http(`${stack.url}/queues`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    expect(
      (await http(`${stack.url}/queues`, { headers: { authorization: 'Bearer sekret' } })).status,
    ).toBe(200);
    const basic = Buffer.from('ops:sekret').toString('base64');
    expect(
      (
        await http(`${stack.url}/queues/api/queues`, {
          headers: { authorization: `Basic ${basic}` },
        })
      ).status,
    ).toBe(200);
  });
});
