import { http, waitForTask } from './support/http';
import { randomPng } from './support/images';
import { pollUntil } from './support/poll';
import { ServiceProcess, Stack } from './support/stack';
import { submitPng } from './support/submit';

const MiB = 1024 * 1024;

describe('worker with WORKER_PROCESSES=2 (node:cluster, real processes)', () => {
  let stack: Stack;

  beforeAll(async () => {
    // The stack's own worker is started per test (startWorker): each test ends it its own way.
    stack = await Stack.start({
      workers: 0,
      env: {
        WORKER_PROCESSES: '2',
        WORKER_CONCURRENCY: '1',
        SHUTDOWN_TIMEOUT_MS: '15000',
        MAX_IMAGE_BYTES: String(64 * MiB),
      },
    });
  });
  afterAll(() => stack?.stop());
  // A failed test leaves no worker behind to take the next test's jobs.
  afterEach(() => Promise.all(stack.workers.map((w) => w.stop('SIGKILL'))));

  /** pids of the worker processes that logged they are listening (the primary serves none). */
  const childPids = (worker: ServiceProcess): Promise<number[]> =>
    pollUntil(
      async () => {
        // Logged through Nest's logger, whose second argument lands in `context`.
        const pids = worker.logs().filter((l) => l.context === 'worker listening');
        return pids.length === 2 ? pids.map((l) => l.pid as number) : undefined;
      },
      20_000,
      'both worker processes to listen',
    );

  it('runs both kinds of task on two processes beside the primary; /metrics counts all of them', async () => {
    const worker = await stack.startWorker();
    const pids = await childPids(worker);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(worker.proc.pid);

    const randomize: string[] = [];
    for (let i = 0; i < 8; i++)
      randomize.push(await submitPng(stack, await randomPng(400, 400, 3, i)));
    const evenSum: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await http<{ token: string }>(`${stack.url}/even-sum`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '1 2 3 4 5 6\n',
      });
      expect(created.status).toBe(201);
      evenSum.push(created.body.token);
    }
    for (const token of randomize)
      expect((await waitForTask(stack.url, 'randomize', token, 30_000)).status).toBe('finished');
    for (const token of evenSum) {
      expect((await waitForTask(stack.url, 'even-sum', token, 30_000)).status).toBe('finished');
      const result = await http<{ sum: number | string }>(`${stack.url}/even-sum/${token}/result`);
      expect(String(result.body.sum)).toBe('12');
    }

    // Both processes took jobs (one slot each: bull hands the next job to whichever is free).
    const started = new Set(
      worker
        .logs()
        .filter((l) => l.msg === 'job started' && randomize.includes(l.token as string))
        .map((l) => l.pid as number),
    );
    expect(started).toEqual(new Set(pids));

    // Whichever process a scrape reaches answers for the cluster: the counters are the sum of both.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${worker.url}/metrics`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toMatch(/^tasks_finished_total\{task="randomize",outcome="finished"\} 8$/m);
    }
    expect(await worker.stop('SIGTERM')).toBe(0);
  });

  it('on SIGTERM each process finishes its active job, then the worker exits 0', async () => {
    const big = await randomPng(2500, 2500, 3, 21);
    const tokens = [await submitPng(stack, big), await submitPng(stack, big)];
    const worker = await stack.startWorker();
    await childPids(worker);
    await pollUntil(
      async () => {
        const started = worker
          .logs()
          .filter((l) => l.msg === 'job started' && tokens.includes(l.token as string));
        return started.length === 2 ? true : undefined;
      },
      20_000,
      'both jobs to start',
    );
    expect(await worker.stop('SIGTERM')).toBe(0);
    // No worker is left: the stopping processes finished the jobs themselves.
    for (const token of tokens)
      expect((await http(`${stack.url}/randomize/${token}/status`)).body.status).toBe('finished');
    expect(worker.logs().filter((l) => l.msg === 'worker cluster stopped')).toEqual([
      expect.objectContaining({ code: 0 }),
    ]);
  });

  it('when one process dies, drains the other and exits 1 (the supervisor restarts it whole)', async () => {
    const worker = await stack.startWorker();
    const [first, second] = await childPids(worker);
    process.kill(first, 'SIGKILL');
    expect(await worker.exited).toBe(1);
    const logs = worker.logs();
    expect(logs.filter((l) => l.msg === 'worker process died')).toEqual([
      expect.objectContaining({ workerPid: first, signal: 'SIGKILL' }),
    ]);
    expect(logs.filter((l) => l.msg === 'worker cluster stopped')).toEqual([
      expect.objectContaining({ code: 1 }),
    ]);
    // The other process was stopped by the primary, not left behind.
    expect(() => process.kill(second, 0)).toThrow();
  });
});
