import { getQueueToken } from '@nestjs/bull';
import { createHash } from 'node:crypto';
import { Test, TestingModule } from '@nestjs/testing';
import type { Queue } from 'bull';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Redis from 'ioredis';
import { AppConfig, loadConfig, ConfigModule } from '@app/tasks/config';
import {
  ChunkResultsStore,
  EvenSumChunkRunner,
  EvenSumPlanner,
  EvenSumRunnerModule,
} from '@app/tasks/even-sum';
import { MetricsModule } from '@app/tasks/metrics';
import { RandomizeRunnerModule, RandomizeRunner } from '@app/tasks/randomize';
import { JobOf, JobName, QueueName } from '@app/tasks/queues';
import { TaskKind, newTaskToken } from '@app/tasks/contract';
import { BLOB_STORE, BlobStore, blobKeys } from '@app/tasks/storage';
import { TaskLifecycle, TaskStore } from '@app/tasks/records';
import { http, waitForTask } from '../support/http';
import { randomPng } from '../support/images';
import { pollUntil } from '../support/poll';
import { Stack } from '../support/stack';
import { upload } from '../support/upload';
import { prng } from '../support/fuzz';

type ChunkJob = JobOf<JobName.EvenSumChunk>;

/** A numbers file with long, negative and padded tokens, and its exact even sum computed apart. */
function numbersFile(
  seed: number,
  count: number,
): { text: string; sum: string; evenCount: number } {
  const random = prng(seed);
  const tokens: string[] = [];
  let sum = 0n;
  let evenCount = 0;
  for (let i = 0; i < count; i++) {
    const digits = 1 + Math.floor(random() * (random() < 0.1 ? 40 : 12));
    let token = String(1 + Math.floor(random() * 9));
    for (let d = 1; d < digits; d++) token += String(Math.floor(random() * 10));
    const value = (random() < 0.3 ? -1n : 1n) * BigInt(token);
    if (value % 2n === 0n) {
      sum += value;
      evenCount++;
    }
    tokens.push(value.toString());
  }
  return { text: tokens.join(random() < 0.5 ? '\n' : ' ') + '\n', sum: sum.toString(), evenCount };
}

/**
 * bull delivers at least once: a chunk or plan job may run again while other chunks are pending,
 * after its task finished, errored or expired, and in any order. Here the jobs are run directly, in
 * adversarial orders, against the real Redis and a real blob store.
 */
describe('even-sum fan-in under repeated, late and reordered deliveries', () => {
  const prefix = `test-redelivery-${process.pid}-${Date.now()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tasks-redelivery-'));
  let config: AppConfig;
  let moduleRef: TestingModule;
  let planner: EvenSumPlanner;
  let chunkRunner: EvenSumChunkRunner;
  let store: TaskStore;
  let blobs: BlobStore;
  let chunkQueue: Queue;
  let redis: Redis;

  const build = async (env: Record<string, string>) => {
    const built = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig(env)),
        MetricsModule,
        EvenSumRunnerModule,
        RandomizeRunnerModule,
      ],
    }).compile();
    built.useLogger(false);
    await built.init();
    return built;
  };

  beforeAll(async () => {
    const env = {
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir,
      CHUNK_BYTES: '4096',
      WORKER_CONCURRENCY: '2',
    };
    config = loadConfig(env);
    moduleRef = await build(env);
    planner = moduleRef.get(EvenSumPlanner);
    chunkRunner = moduleRef.get(EvenSumChunkRunner);
    store = moduleRef.get(TaskStore);
    blobs = moduleRef.get<BlobStore>(BLOB_STORE);
    chunkQueue = moduleRef.get<Queue>(getQueueToken(QueueName.EvenSumChunk));
    redis = new Redis(config.redisUrl);
  });

  afterAll(async () => {
    await moduleRef?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Stores the file and its record as the api does; returns the token. */
  const submit = async (text: string): Promise<string> => {
    const token = newTaskToken();
    const inputKey = blobKeys.evenSumInput(token);
    await blobs.putBuffer(inputKey, Buffer.from(text));
    await store.create({
      token,
      task: TaskKind.EvenSum,
      client: 'anonymous',
      status: 'requested',
      requestedAt: Date.now(),
      inputKey,
      bytes: Buffer.byteLength(text),
    });
    return token;
  };

  /** Runs the plan job and returns the chunk jobs it enqueued (their real payloads), by index. */
  const plan = async (token: string): Promise<ChunkJob[]> => {
    await planner.plan({ token, inputKey: blobKeys.evenSumInput(token) });
    const jobs = (await chunkQueue.getWaiting(0, -1))
      .map((job) => job.data as ChunkJob)
      .filter((data) => data.token === token);
    return jobs.sort((a, b) => a.index - b.index);
  };

  const taskHash = (token: string) => redis.hgetall(store.key(token));

  it('does not finish a task when a recorded chunk is delivered again while others are pending', async () => {
    const file = numbersFile(1, 3000);
    const token = await submit(file.text);
    const jobs = await plan(token);
    expect(jobs.length).toBeGreaterThan(4);

    await chunkRunner.run(jobs[0]);
    await chunkRunner.run(jobs[0]);
    expect(await taskHash(token)).toMatchObject({ status: 'received', chunksDone: '1' });

    for (const job of jobs.slice(1)) await chunkRunner.run(job);
    const record = await store.get(token);
    expect(record).toMatchObject({
      status: 'finished',
      sum: file.sum,
      evenCount: file.evenCount,
      chunksDone: jobs.length,
      chunksTotal: jobs.length,
      bytesDone: record!.bytes,
    });
  });

  it.each([11, 12, 13, 14, 15, 16])(
    'finishes once with the exact sum whatever the order, duplicates and concurrency (seed %i)',
    async (seed) => {
      const random = prng(seed);
      const file = numbersFile(seed, 2000 + Math.floor(random() * 2000));
      const token = await submit(file.text);
      const jobs = await plan(token);
      // Every chunk one to three times, plus plan re-runs, shuffled; run two or three at once.
      const deliveries: (() => Promise<void>)[] = [];
      for (const job of jobs) {
        const times = 1 + Math.floor(random() * 3);
        for (let t = 0; t < times; t++) deliveries.push(() => chunkRunner.run(job));
      }
      for (let t = 0; t < 3; t++)
        deliveries.push(() => planner.plan({ token, inputKey: jobs[0].inputKey }));
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
      }
      let finishedAt: string | undefined;
      while (deliveries.length) {
        const batch = deliveries.splice(0, 1 + Math.floor(random() * 3));
        await Promise.all(batch.map((deliver) => deliver()));
        const hash = await taskHash(token);
        // Once finished, nothing moves: not the result, not the finish time, not the progress.
        if (finishedAt) expect(hash).toMatchObject({ status: 'finished', finishedAt });
        if (hash.status === 'finished') finishedAt = hash.finishedAt;
        expect(Number(hash.bytesDone ?? 0)).toBeLessThanOrEqual(Number(hash.bytes));
        expect(Number(hash.chunksDone ?? 0)).toBeLessThanOrEqual(jobs.length);
      }
      expect(await store.get(token)).toMatchObject({
        status: 'finished',
        sum: file.sum,
        evenCount: file.evenCount,
        chunksDone: jobs.length,
        bytesDone: Buffer.byteLength(file.text),
      });
    },
  );

  it('changes nothing and scans nothing when jobs run again after the task finished', async () => {
    const file = numbersFile(2, 2000);
    const token = await submit(file.text);
    const jobs = await plan(token);
    for (const job of jobs) await chunkRunner.run(job);
    const before = await taskHash(token);
    const results = await redis.hgetall(store.chunksKey(token));
    expect(before).toMatchObject({ status: 'finished', sum: file.sum });
    // Without its input a scan would throw: these deliveries must not scan at all.
    await blobs.deletePrefix(`${token}/`);
    for (const job of jobs) await chunkRunner.run(job);
    await planner.plan({ token, inputKey: jobs[0].inputKey });
    expect(await taskHash(token)).toEqual(before);
    expect(await redis.hgetall(store.chunksKey(token))).toEqual(results);
  });

  it('ends a task with a bad token errored once, with its line, whatever deliveries follow', async () => {
    const file = numbersFile(3, 2000);
    const lines = file.text.split('\n');
    lines[700] = '12x4';
    const token = await submit(lines.join('\n'));
    const jobs = await plan(token);
    for (const job of [...jobs].reverse()) await chunkRunner.run(job);
    for (const job of jobs) await chunkRunner.run(job);
    const record = await store.get(token);
    expect(record).toMatchObject({ status: 'errored' });
    expect(record!.error).toMatch(/invalid token "12x4" at byte \d+ \(line 701\)/);
    expect(record!.sum).toBeUndefined();
  });

  it('keeps the first split when the plan runs again under another CHUNK_BYTES', async () => {
    const file = numbersFile(4, 2000);
    const token = await submit(file.text);
    const jobs = await plan(token);
    await chunkRunner.run(jobs[1]);
    const other = await build({
      REDIS_URL: config.redisUrl,
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir,
      CHUNK_BYTES: '1000',
      WORKER_CONCURRENCY: '1',
    });
    try {
      await chunkQueue.empty();
      await other.get(EvenSumPlanner).plan({ token, inputKey: jobs[0].inputKey });
      const replanned = (await chunkQueue.getWaiting(0, -1))
        .map((job) => job.data as ChunkJob)
        .filter((data) => data.token === token);
      // The same ranges as the first plan, less the chunk already recorded.
      expect(replanned.map((j) => [j.index, j.start, j.end]).sort((a, b) => a[0] - b[0])).toEqual(
        jobs.filter((j) => j.index !== 1).map((j) => [j.index, j.start, j.end]),
      );
      for (const job of replanned) await other.get(EvenSumChunkRunner).run(job);
    } finally {
      await other.close();
    }
    expect(await store.get(token)).toMatchObject({ status: 'finished', sum: file.sum });
  });

  it('records nothing from a scan or progress report that lands after its task ended', async () => {
    const file = numbersFile(6, 2000);
    const token = await submit(file.text);
    const jobs = await plan(token);
    await chunkRunner.run(jobs[0]);
    // Another chunk failed for good meanwhile (the consumer's failed handler ends the task).
    await store.update(token, { status: 'errored', error: 'input file is missing' });
    const before = await taskHash(token);
    const chunks = moduleRef.get(ChunkResultsStore);
    const late = {
      sum: '2',
      evenCount: 1,
      count: 1,
      newlines: 0,
      start: jobs[1].start,
      end: jobs[1].end,
      startedAt: 0,
      finishedAt: 0,
      executionMs: 1,
    };
    expect(await chunks.record(token, 1, late, jobs[1].end - jobs[1].start)).toBe('ended');
    await chunks.progress(token, 2, 100);
    await chunkRunner.run(jobs[2]);
    expect(await taskHash(token)).toEqual(before);
    expect(Object.keys(await redis.hgetall(store.chunksKey(token)))).toEqual(['0']);
  });

  it('keeps progress at the total once the task finished', async () => {
    const file = numbersFile(7, 2000);
    const token = await submit(file.text);
    const jobs = await plan(token);
    for (const job of jobs) await chunkRunner.run(job);
    const chunks = moduleRef.get(ChunkResultsStore);
    for (const job of jobs) await chunks.progress(token, job.index, 1);
    expect(await taskHash(token)).toMatchObject({
      status: 'finished',
      bytesDone: String(Buffer.byteLength(file.text)),
    });
  });

  it('leaves nothing behind for a chunk of an expired task', async () => {
    const file = numbersFile(5, 500);
    const token = await submit(file.text);
    const jobs = await plan(token);
    await store.delete(token);
    await chunkRunner.run(jobs[0]);
    expect(await redis.keys(`${store.key(token)}*`)).toEqual([]);
  });

  it('keeps the first result of an unseeded shuffle when the job runs twice at once, and after', async () => {
    const runner = moduleRef.get(RandomizeRunner);
    const token = newTaskToken();
    const png = await randomPng(240, 240);
    await blobs.putBuffer(blobKeys.randomizeInput(token), png);
    await store.create({
      token,
      task: TaskKind.Randomize,
      client: 'anonymous',
      status: 'requested',
      requestedAt: Date.now(),
      inputKey: blobKeys.randomizeInput(token),
      bytes: png.length,
    });
    const job = { token, inputKey: blobKeys.randomizeInput(token), blockSize: 60 };
    // Run B passes its start check while run A is under way, and goes on only once A finished
    // and a client read A's result (a lock that expired under a slow run A).
    const lifecycle = moduleRef.get(TaskLifecycle);
    const realStart = lifecycle.start.bind(lifecycle);
    let readA!: () => void;
    const aRead = new Promise<void>((resolve) => (readA = resolve));
    const spy = jest
      .spyOn(lifecycle, 'start')
      .mockImplementationOnce(realStart)
      .mockImplementationOnce(async (t) => {
        const record = await realStart(t);
        await aRead;
        return record;
      });
    // Compared by digest: a failing toEqual on two big Buffers makes jest diff them byte by byte.
    const digest = (png: Buffer) => createHash('sha256').update(png).digest('hex');
    let seen: string | undefined;
    const runA = runner.run(job).then(async () => {
      seen = digest(await blobs.getBuffer((await store.get(token))!.resultKey!));
      readA();
    });
    await Promise.all([runA, runner.run(job)]);
    spy.mockRestore();
    const first = await store.get(token);
    expect(first).toMatchObject({ status: 'finished' });
    expect(digest(await blobs.getBuffer(first!.resultKey!))).toBe(seen);
    await Promise.all([runner.run(job), runner.run(job)]);
    expect(await store.get(token)).toEqual(first);
    expect(digest(await blobs.getBuffer(first!.resultKey!))).toBe(seen);
    // The losing run's output is gone: one input, one result.
    expect(readdirSync(join(dataDir, token)).sort()).toEqual(
      ['input.png', first!.resultKey!.split('/')[1]].sort(),
    );
  });

  /** A client's DELETE, as the api does it: the one Redis step, then the blobs. */
  const cancel = async (token: string) => {
    const { outcome } = await store.cancel(token, 'anonymous');
    await blobs.deletePrefix(`${token}/`);
    return outcome;
  };

  it.each([21, 22, 23])(
    'writes nothing for a task cancelled mid-way, whatever chunk and plan deliveries follow (seed %i)',
    async (seed) => {
      const random = prng(seed);
      const file = numbersFile(seed, 3000);
      const token = await submit(file.text);
      const jobs = await plan(token);
      expect(jobs.length).toBeGreaterThan(4);
      // Some chunks in, then the cancel; then every chunk (again) and the plan, shuffled, some at once.
      for (const job of jobs.slice(0, 2)) await chunkRunner.run(job);
      // The status step alone, its input kept: the guards must hold for deliveries that can
      // still read their bytes (a worker that read them before the blobs went).
      expect((await store.cancel(token, 'anonymous')).outcome).toBe('cancelled');
      const atCancel = await taskHash(token);
      expect(atCancel).toMatchObject({ status: 'cancelled', chunksDone: '2' });
      const deliveries: (() => Promise<void>)[] = [
        ...jobs.map((job) => () => chunkRunner.run(job)),
        ...jobs.map((job) => () => chunkRunner.run(job)),
        () => planner.plan({ token, inputKey: jobs[0].inputKey }),
      ];
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
      }
      while (deliveries.length)
        await Promise.all(deliveries.splice(0, 1 + Math.floor(random() * 3)).map((d) => d()));
      // No result, no chunk record, no progress, nothing moved; a second DELETE removes the blobs.
      expect(await taskHash(token)).toEqual(atCancel);
      expect(await redis.exists(store.chunksKey(token), store.progressKey(token))).toBe(0);
      expect(await cancel(token)).toBe('already-cancelled');
      expect(readdirSync(dataDir)).not.toContain(token);
    },
  );

  it('records nothing, and never finishes, when the cancel lands between a scan and its record', async () => {
    const file = numbersFile(24, 2000);
    const token = await submit(file.text);
    const jobs = await plan(token);
    for (const job of jobs.slice(0, -1)) await chunkRunner.run(job);
    // The last chunk passed its state check and scanned; the client cancels just before its
    // result is recorded: the record script sees the task ended, so no result, no fan-in.
    const chunks = moduleRef.get(ChunkResultsStore);
    const realRecord = chunks.record.bind(chunks);
    const outcomes: string[] = [];
    const spy = jest.spyOn(chunks, 'record').mockImplementationOnce(async (...args) => {
      expect(await cancel(token)).toBe('cancelled');
      const outcome = await realRecord(...args);
      outcomes.push(outcome);
      return outcome;
    });
    try {
      await chunkRunner.run(jobs[jobs.length - 1]);
    } finally {
      spy.mockRestore();
    }
    expect(outcomes).toEqual(['ended']);
    const hash = await taskHash(token);
    expect(hash.status).toBe('cancelled');
    expect(hash.sum).toBeUndefined();
    expect(hash.finishedAt).toBeUndefined();
    expect(Number(hash.chunksDone)).toBe(jobs.length - 1);
    expect(await redis.exists(store.chunksKey(token), store.progressKey(token))).toBe(0);
  });

  it('leaves no output of a randomize run that finishes its encode after the cancel', async () => {
    const runner = moduleRef.get(RandomizeRunner);
    const token = newTaskToken();
    const png = await randomPng(240, 240);
    await blobs.putBuffer(blobKeys.randomizeInput(token), png);
    await store.create({
      token,
      task: TaskKind.Randomize,
      client: 'anonymous',
      status: 'requested',
      requestedAt: Date.now(),
      inputKey: blobKeys.randomizeInput(token),
      bytes: png.length,
    });
    const job = { token, inputKey: blobKeys.randomizeInput(token), blockSize: 60 };
    // The run passes its start check, then the client cancels, then it decodes, encodes and
    // stores its output: its finish is refused and it deletes what it stored.
    const lifecycle = moduleRef.get(TaskLifecycle);
    const realStart = lifecycle.start.bind(lifecycle);
    const spy = jest.spyOn(lifecycle, 'start').mockImplementationOnce(async (t) => {
      const record = await realStart(t);
      // The input read happens after this: keep it, as a run that had read it already would.
      const { outcome } = await store.cancel(token, 'anonymous');
      expect(outcome).toBe('cancelled');
      return record;
    });
    try {
      await runner.run(job);
    } finally {
      spy.mockRestore();
    }
    expect(await taskHash(token)).toMatchObject({ status: 'cancelled' });
    expect((await taskHash(token)).resultKey).toBeUndefined();
    expect(readdirSync(join(dataDir, token))).toEqual(['input.png']);
    // Delivered again after the cancel (and its blob deletion): nothing runs, nothing is written.
    await blobs.deletePrefix(`${token}/`);
    await runner.run(job);
    expect(readdirSync(dataDir)).not.toContain(token);
    expect(await taskHash(token)).toMatchObject({ status: 'cancelled' });
  });

  it('never counts a task without a chunk count as complete', async () => {
    const token = await submit('2 4\n');
    expect(
      await store.update(token, { status: 'finished' }, undefined, { allChunksIn: true }),
    ).toBe(false);
    expect(await taskHash(token)).toMatchObject({ status: 'requested' });
  });
});

describe('a chunk job delivered again to a real worker (real api, worker, Redis)', () => {
  let stack: Stack;
  let chunkQueue: Queue;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 1,
      env: { CHUNK_BYTES: String(64 * 1024), WORKER_CONCURRENCY: '1', FAIR_SCHEDULING: 'false' },
    });
    const Bull = (await import('bull')).default;
    chunkQueue = new Bull(QueueName.EvenSumChunk, {
      redis: stack.redisUrl,
      prefix: stack.prefix,
    });
  });
  afterAll(async () => {
    await chunkQueue?.close();
    await stack?.stop();
  });

  const redeliver = (data: ChunkJob, id: string) =>
    chunkQueue.add(JobName.EvenSumChunk, data, { jobId: id, priority: 1, removeOnComplete: true });

  const drained = () =>
    pollUntil(
      async () => {
        const counts = await chunkQueue.getJobCounts();
        return counts.waiting + counts.active + counts.delayed === 0 ? true : undefined;
      },
      60_000,
      'the chunk queue to drain',
    );

  const queued = async (token: string) =>
    (await chunkQueue.getWaiting(0, -1)).filter((job) => (job.data as ChunkJob).token === token);

  it('finishes with the exact sum when a recorded chunk comes back while others wait, and once only', async () => {
    const file = numbersFile(21, 20_000);
    const bytes = Buffer.byteLength(file.text);
    const total = Math.ceil(bytes / (64 * 1024));
    expect(total).toBeGreaterThan(2);
    // Hold every chunk job back, then let only chunk 0 through.
    await chunkQueue.pause();
    const created = await upload(`${stack.url}/even-sum`, Readable.from([Buffer.from(file.text)]));
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const jobs = await pollUntil(
      async () => ((await queued(token)).length === total ? queued(token) : undefined),
      30_000,
      'the plan to enqueue every chunk',
    );
    const held = jobs.filter((job) => (job.data as ChunkJob).index !== 0);
    const data = jobs.map((job) => job.data as ChunkJob).sort((a, b) => a.index - b.index);
    await Promise.all(held.map((job) => job.remove()));
    await chunkQueue.resume();
    const status = async () => (await http(`${stack.url}/even-sum/${token}/status`)).body;
    await pollUntil(
      async () =>
        ((await status()).progress as { chunksDone: number }).chunksDone === 1 || undefined,
      30_000,
      'chunk 0 to be recorded',
    );

    // Chunk 0 again, while the others are still to come: the task must not end.
    await redeliver(data[0], `${token}-again-0`);
    await drained();
    expect(await status()).toMatchObject({ status: 'received', progress: { chunksDone: 1 } });

    for (const chunk of data.slice(1)) await redeliver(chunk, `${token}-rest-${chunk.index}`);
    const final = await waitForTask(stack.url, 'even-sum', token, 60_000);
    const result = await http(`${stack.url}/even-sum/${token}/result`);
    expect(final).toMatchObject({ status: 'finished' });
    expect(result.body).toEqual({ sum: file.sum, evenCount: file.evenCount, count: 20_000, bytes });

    // Every chunk once more after the end: the task and its log stay as they were.
    for (const chunk of data) await redeliver(chunk, `${token}-late-${chunk.index}`);
    await drained();
    expect(await status()).toEqual(final);
    const finishedLines = stack.workers[0]
      .logs()
      .filter((line) => line.token === token && line.msg === 'task finished');
    expect(finishedLines).toHaveLength(1);
  });
});
