import { getQueueToken } from '@nestjs/bull';
import { Test, TestingModule } from '@nestjs/testing';
import type { Queue } from 'bull';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { AppConfig, loadConfig, ConfigModule } from '@app/tasks/config';
import {
  ChunkReadiness,
  EvenSumChunkRunner,
  EvenSumPlanner,
  EvenSumRunnerModule,
} from '@app/tasks/even-sum';
import { MetricsModule } from '@app/tasks/metrics';
import { JobOf, JobName, QueueName } from '@app/tasks/queues';
import { TaskKind, newTaskToken } from '@app/tasks/contract';
import { BLOB_STORE, BlobStore, blobKeys } from '@app/tasks/storage';
import { TaskStore } from '@app/tasks/records';
import { prng } from '../support/fuzz';

type ChunkJob = JobOf<JobName.EvenSumChunk>;

const CHUNK_BYTES = 4096;

/** A numbers file with long and negative tokens, and its exact even sum computed apart. */
function numbersFile(seed: number, count: number): { text: string; sum: string } {
  const random = prng(seed);
  const tokens: string[] = [];
  let sum = 0n;
  for (let i = 0; i < count; i++) {
    const digits = 1 + Math.floor(random() * (random() < 0.1 ? 40 : 12));
    let token = String(1 + Math.floor(random() * 9));
    for (let d = 1; d < digits; d++) token += String(Math.floor(random() * 10));
    const value = (random() < 0.3 ? -1n : 1n) * BigInt(token);
    if (value % 2n === 0n) sum += value;
    tokens.push(value.toString());
  }
  return { text: tokens.join(random() < 0.5 ? '\n' : ' ') + '\n', sum: sum.toString() };
}

/**
 * A pipelined upload (fs storage) queues chunk jobs while its body arrives: they run, and may be
 * delivered again, before the task has a `chunksTotal`, which only the plan job sets once the
 * body has ended. Here those jobs are run directly, against the real Redis and a real blob store,
 * with the payloads the api gives them (PipelinedChunks via ChunkReadiness).
 */
describe('pipelined even-sum under repeated, early and late deliveries', () => {
  const prefix = `test-pipe-redelivery-${process.pid}-${Date.now()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tasks-pipe-redelivery-'));
  let config: AppConfig;
  let moduleRef: TestingModule;
  let planner: EvenSumPlanner;
  let chunkRunner: EvenSumChunkRunner;
  let store: TaskStore;
  let blobs: BlobStore;
  let chunkQueue: Queue;
  let redis: Redis;

  beforeAll(async () => {
    const env = {
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: prefix,
      DATA_DIR: dataDir,
      // The worker's CHUNK_BYTES differs from the api's: the split the upload fixed must hold.
      CHUNK_BYTES: '1000',
      WORKER_CONCURRENCY: '2',
    };
    config = loadConfig(env);
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), MetricsModule, EvenSumRunnerModule],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
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

  /**
   * What the api does while the body arrives in pieces of `pieceBytes`: the record (no
   * chunksTotal) and the early chunk jobs' payloads. The file is stored whole at once here: an
   * early job reads only up to its `size` (ChunkReadiness), which the scan never passes.
   */
  const upload = async (text: string, pieceBytes: number) => {
    const token = newTaskToken();
    const inputKey = blobKeys.evenSumInput(token);
    const data = Buffer.from(text);
    await blobs.putBuffer(inputKey, data);
    await store.create({
      token,
      task: TaskKind.EvenSum,
      client: 'anonymous',
      status: 'requested',
      requestedAt: Date.now(),
      inputKey,
      bytes: 0,
      chunkBytes: CHUNK_BYTES,
      chunksDone: 0,
      bytesDone: 0,
    });
    const readiness = new ChunkReadiness(CHUNK_BYTES);
    const early: ChunkJob[] = [];
    for (let at = 0; at < data.length; at += pieceBytes) {
      const stored = Math.min(data.length, at + pieceBytes);
      for (const r of readiness.stored(stored, [data.subarray(at, stored)]))
        early.push({ token, inputKey, client: 'anonymous', ...r, size: stored });
    }
    /** The body ended: the size, then the plan job (as TaskSubmitter, then the worker). */
    const end = async (): Promise<ChunkJob[]> => {
      await store.update(token, { bytes: data.length, bytesReceived: data.length }, ['requested']);
      await planner.plan({ token, inputKey });
      return (await chunkQueue.getWaiting(0, -1))
        .map((job) => job.data as ChunkJob)
        .filter((job) => job.token === token)
        .sort((a, b) => a.index - b.index);
    };
    return { token, early, end, bytes: data.length };
  };

  const taskHash = (token: string) => redis.hgetall(store.key(token));

  it('records chunks that run before chunksTotal exists, twice or not, and never finishes on them', async () => {
    const file = numbersFile(21, 3000);
    const { token, early, end, bytes } = await upload(file.text, 1500);
    expect(early.length).toBeGreaterThan(3);
    for (const job of early) await chunkRunner.run(job);
    // Every early chunk delivered again: recorded once, still no total, still open.
    for (const job of early) await chunkRunner.run(job);
    const during = await taskHash(token);
    expect(during).toMatchObject({ status: 'requested', chunksDone: String(early.length) });
    expect(during.chunksTotal).toBeUndefined();

    const planned = await end();
    const total = Math.ceil(bytes / CHUNK_BYTES);
    expect(await taskHash(token)).toMatchObject({ chunksTotal: String(total) });
    // The plan queues only what is not recorded: the chunks that were never early.
    expect(planned.map((j) => j.index)).toEqual(
      Array.from({ length: total - early.length }, (_, i) => early.length + i),
    );
    const last = planned[planned.length - 1];
    for (const job of planned.slice(0, -1)) await chunkRunner.run(job);
    expect(await taskHash(token)).toMatchObject({ status: 'received' });
    // The final chunk delivered twice, at once: one finish, exact.
    await Promise.all([chunkRunner.run(last), chunkRunner.run(last)]);
    const finished = await taskHash(token);
    expect(finished).toMatchObject({
      status: 'finished',
      sum: file.sum,
      chunksDone: String(total),
      bytesDone: String(bytes),
    });
    await chunkRunner.run(early[0]);
    await chunkRunner.run(last);
    expect(await taskHash(token)).toEqual(finished);
    await chunkQueue.empty();
  });

  it.each([31, 32, 33, 34])(
    'finishes once with the exact sum whatever the order of early, planned and repeated deliveries (seed %i)',
    async (seed) => {
      const random = prng(seed);
      const file = numbersFile(seed, 2000 + Math.floor(random() * 2000));
      const { token, early, end, bytes } = await upload(
        file.text,
        500 + Math.floor(random() * 3000),
      );
      // Some early chunks run (some twice) while the body arrives; others are still queued.
      const before = early.filter(() => random() < 0.6);
      for (const job of before) {
        await chunkRunner.run(job);
        if (random() < 0.3) await chunkRunner.run(job);
        expect((await taskHash(token)).status).toBe('requested');
      }
      const planned = await end();
      const deliveries: (() => Promise<void>)[] = [];
      for (const job of [...early, ...planned]) {
        const times = 1 + Math.floor(random() * 3);
        for (let t = 0; t < times; t++) deliveries.push(() => chunkRunner.run(job));
      }
      deliveries.push(() => planner.plan({ token, inputKey: early[0].inputKey }));
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
      }
      let finishedAt: string | undefined;
      while (deliveries.length) {
        const batch = deliveries.splice(0, 1 + Math.floor(random() * 3));
        await Promise.all(batch.map((deliver) => deliver()));
        const hash = await taskHash(token);
        if (finishedAt) expect(hash).toMatchObject({ status: 'finished', finishedAt });
        if (hash.status === 'finished') finishedAt = hash.finishedAt;
        expect(Number(hash.bytesDone ?? 0)).toBeLessThanOrEqual(bytes);
      }
      expect(await store.get(token)).toMatchObject({
        status: 'finished',
        sum: file.sum,
        bytesDone: bytes,
        chunksTotal: Math.ceil(bytes / CHUNK_BYTES),
      });
      await chunkQueue.empty();
    },
  );

  it('records nothing for an early chunk that runs after its upload was cancelled', async () => {
    const file = numbersFile(41, 2000);
    const { token, early } = await upload(file.text, 2000);
    await chunkRunner.run(early[0]);
    // The api's cancel: the record with its results and progress, then the file.
    await store.delete(token);
    await blobs.deletePrefix(`${token}/`);
    for (const job of early) await chunkRunner.run(job);
    expect(await redis.keys(`${prefix}:task:${token}*`)).toEqual([]);
  });
});
