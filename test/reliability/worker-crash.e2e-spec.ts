import { generateNumbers } from '../../apps/cli/src/numbers/number-generator';
import { expectShuffled, withRedis } from '../support/faults';
import { http, waitForTask } from '../support/http';
import { randomPng } from '../support/images';
import { pollUntil } from '../support/poll';
import { ServiceProcess, Stack } from '../support/stack';
import { submitPng } from '../support/submit';
import { upload } from '../support/upload';

const MiB = 1024 * 1024;

interface Progress {
  bytesDone: number;
  bytesTotal: number;
  chunksDone: number;
  chunksTotal: number;
}

// bull's stalled-job recovery made fast: a dead worker's lock expires after 2 s and live workers
// check every second, so a job is back in the queue within ~4 s instead of ~45 s.
const RECOVERY_ENV = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '1000' };

describe('worker killed with SIGKILL mid-job (bull stalled-job recovery)', () => {
  let stack: Stack;
  // Noise does not compress: ~27 MB that takes a worker over a second to shuffle, time enough to kill it.
  let bigPng: Buffer;

  beforeAll(async () => {
    bigPng = await randomPng(3000, 3000, 3, 5);
    stack = await Stack.start({
      workers: 0,
      env: {
        ...RECOVERY_ENV,
        CHUNK_BYTES: String(16 * MiB),
        WORKER_CONCURRENCY: '1',
        MAX_IMAGE_BYTES: String(64 * MiB),
      },
    });
  });
  afterAll(() => stack?.stop());
  // Each test starts the workers it needs: none left from a previous one may take its jobs.
  afterEach(() => Promise.all(stack.workers.map((w) => w.stop('SIGKILL'))));

  const kill = async (worker: ServiceProcess) => {
    expect(await worker.stop('SIGKILL')).toBeNull();
    expect(worker.proc.signalCode).toBe('SIGKILL');
  };

  it('finishes an even-sum task exactly when its worker dies in the middle of a chunk', async () => {
    const { stream, expected } = generateNumbers({
      bytes: 200 * 1000 * 1000,
      seed: 11,
      negative: true,
    });
    const created = await upload(`${stack.url}/even-sum`, stream);
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const status = async () =>
      (await http(`${stack.url}/even-sum/${token}/status`)).body as {
        status: string;
        progress?: Progress;
      };

    const victim = await stack.startWorker();
    // Kill while a chunk is being scanned (one chunk job active) after some chunks are counted.
    // A 16 MiB chunk scans in tens of ms: poll Redis directly, on one connection, every few ms.
    await withRedis(stack, async (redis) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [[, fields], [, active]] = (await redis
          .multi()
          .hmget(`${stack.prefix}:task:${token}`, 'chunksDone', 'chunksTotal')
          .llen(`${stack.prefix}:even-sum-chunk:active`)
          .exec()) as [[null, (string | null)[]], [null, number]];
        const [done, total] = fields.map(Number);
        if (total > 0 && done >= 2 && done < total - 2 && active === 1) return;
        if (Date.now() > deadline)
          throw new Error(`never caught the worker mid-chunks (done ${done} of ${total})`);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    await kill(victim);

    const atKill = await status();
    expect(atKill.status).toBe('received');
    const doneByVictim = atKill.progress!.chunksDone;
    expect(atKill.progress!.chunksTotal).toBe(12);
    expect(doneByVictim).toBeLessThan(12);

    const rescuer = await stack.startWorker();
    const final = (await waitForTask(stack.url, 'even-sum', token, 60_000)) as {
      status: string;
      progress: Progress;
    };
    expect(final.status).toBe('finished');
    expect(final.progress).toEqual({
      bytesDone: 200_000_000,
      bytesTotal: 200_000_000,
      chunksDone: 12,
      chunksTotal: 12,
      bytesReceived: 200_000_000,
      bytesScanned: 200_000_000,
    });
    const want = await expected;
    const result = await http(`${stack.url}/even-sum/${token}/result`);
    expect(result.body).toEqual({
      sum: want.sum,
      evenCount: want.evenCount,
      count: want.count,
      bytes: 200_000_000,
    });
    // One result per chunk, and the rescuer scanned exactly the chunks the victim had not counted,
    // the interrupted one included: nothing lost, nothing counted twice.
    expect(await withRedis(stack, (r) => r.hlen(`${stack.prefix}:task:${token}:chunks`))).toBe(12);
    const metrics = (await http(`${rescuer.url}/metrics`)).bytes.toString();
    expect(Number(/^even_sum_chunk_seconds_count (\d+)/m.exec(metrics)?.[1])).toBe(
      12 - doneByVictim,
    );
  });

  it('finishes a randomize task with a valid shuffled PNG when its worker dies mid-job', async () => {
    const token = await submitPng(stack, bigPng);

    const victim = await stack.startWorker();
    await pollUntil(
      async () => {
        const { body } = await http(`${stack.url}/randomize/${token}/status`);
        return body.status === 'received' ? true : undefined;
      },
      20_000,
      'the worker to start the job',
    );
    await kill(victim);
    expect((await http(`${stack.url}/randomize/${token}/status`)).body.status).toBe('received');

    await stack.startWorker();
    const final = await waitForTask(stack.url, 'randomize', token, 60_000);
    expect(final.status).toBe('finished');
    const result = await http(`${stack.url}/randomize/${token}/result`);
    expect(result.status).toBe(200);
    await expectShuffled(bigPng, result.bytes);
  });

  it('ends a task errored, not received forever, when every worker that takes it dies (maxStalledCount 2)', async () => {
    const token = await submitPng(stack, bigPng);
    const lock = `${stack.prefix}:randomize:${token}:lock`;
    // Three workers in a row die holding the job: the third stall is one more than bull allows.
    // The lock's value names its holder (each worker's queue has its own): a dead worker's lock
    // lingers until it expires, so only a new value means the new worker has taken the job.
    let holder: string | null = null;
    for (let round = 1; round <= 3; round++) {
      const victim = await stack.startWorker();
      const previous: string | null = holder;
      holder = await pollUntil(
        async (): Promise<string | undefined> => {
          const value = await withRedis(stack, (r) => r.get(lock));
          return value !== null && value !== previous ? value : undefined;
        },
        20_000,
        `worker ${round} to take the job`,
      );
      await kill(victim);
      expect((await http(`${stack.url}/randomize/${token}/status`)).body.status).toBe('received');
    }
    // The next live worker's stalled check fails the job, and the failure ends the task.
    await stack.startWorker();
    const final = await waitForTask(stack.url, 'randomize', token, 20_000);
    expect(final.status).toBe('errored');
    expect(final.error).toMatch(/interrupted repeatedly/);
    expect((await http(`${stack.url}/randomize/${token}/result`)).status).toBe(404);
  });
});
