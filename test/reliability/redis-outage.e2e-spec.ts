import { connect } from 'node:net';
import { Readable } from 'node:stream';
import Redis from 'ioredis';
import { storedFiles } from '../support/faults';
import { http, waitForTask } from '../support/http';
import { randomPng } from '../support/images';
import { pollUntil } from '../support/poll';
import { RedisServer } from '../support/redis-server';
import { Stack } from '../support/stack';
import { postPng, submitPng } from '../support/submit';
import { upload } from '../support/upload';

const OUTAGE_MS = 4000;

/** Polls a service's readiness until it answers `status`. */
const readiness = (url: string, status: number, timeoutMs: number) =>
  pollUntil(
    async () => ((await http(`${url}/health/ready`)).status === status ? true : undefined),
    timeoutMs,
    `${url}/health/ready to answer ${status}`,
  );

/** Runs a request and measures how long its answer took. */
async function timed<T>(send: () => Promise<T>): Promise<{ reply: T; ms: number }> {
  const started = Date.now();
  const reply = await send();
  return { reply, ms: Date.now() - started };
}

describe('Redis down and back (a private redis-server with append-only persistence)', () => {
  let redis: RedisServer;
  let stack: Stack;
  let png: Buffer;

  beforeAll(async () => {
    png = await randomPng(130, 70, 3, 3);
    redis = await RedisServer.start();
    stack = await Stack.start({ redisUrl: redis.url, workers: 1 });
  });
  afterAll(async () => {
    // stop() cleans the stack's keys: it needs its Redis up.
    if (redis && !redis.running) await redis.restart();
    await stack?.stop();
    await redis?.dispose();
  });

  const submit = () => postPng(stack, png);
  const submitted = () => submitPng(stack, png);

  it('answers 503 {error} promptly while Redis is down, and recovers when it returns without a restart', async () => {
    const before = await submitted();
    expect((await waitForTask(stack.url, 'randomize', before)).status).toBe('finished');
    const filesBefore = storedFiles(stack.dataDir).sort();

    await redis.stop();
    const stoppedAt = Date.now();
    await Promise.all([
      readiness(stack.url, 503, 5000),
      readiness(stack.workers[0].url, 503, 5000),
    ]);
    expect((await http(`${stack.url}/health/live`)).status).toBe(200);
    // Readiness names the failing check, not ioredis' message or Redis' address.
    for (const service of [stack.api, stack.workers[0]]) {
      const ready = await http(`${service.url}/health/ready`);
      expect(ready.body).toMatchObject({
        error: { redis: { status: 'down', message: 'redis check failed' } },
      });
      expect(ready.bytes.toString()).not.toMatch(/writeable|ECONNREFUSED|127\.0\.0\.1|Connection/);
    }

    const image = await timed(submit);
    expect(image.reply.status).toBe(503);
    expect(image.reply.body).toEqual({ error: expect.any(String) });
    expect(image.ms).toBeLessThan(6000);

    const file = await timed(() => upload(`${stack.url}/even-sum`, Readable.from(['2 4 6\n'])));
    expect(file.reply.status).toBe(503);
    expect(file.reply.body).toEqual({ error: expect.any(String) });
    expect(file.ms).toBeLessThan(6000);

    const status = await timed(() => http(`${stack.url}/randomize/${before}/status`));
    expect(status.reply.status).toBe(503);
    expect(status.reply.body).toEqual({ error: expect.any(String) });
    expect(status.ms).toBeLessThan(6000);
    // The refused submissions left no blobs behind.
    expect(storedFiles(stack.dataDir).sort()).toEqual(filesBefore);
    expect(stack.api.proc.exitCode).toBeNull();
    expect(stack.workers[0].proc.exitCode).toBeNull();

    // An outage of seconds (a restart, not a blip): the clients' reconnect backoff reaches its cap.
    const rest = OUTAGE_MS - (Date.now() - stoppedAt);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    await redis.restart();
    await Promise.all([
      readiness(stack.url, 200, 15_000),
      readiness(stack.workers[0].url, 200, 15_000),
    ]);
    const outageMs = Date.now() - stoppedAt;
    for (const service of [stack.api, stack.workers[0]]) {
      // Every Redis client has a listener: nothing unstructured ("[ioredis] Unhandled error event").
      expect(service.stderr).toEqual([]);
      const errors = service.logs().filter((l) => l.msg === 'Redis client error');
      // One line per client as the outage starts (the task-record client, and bull's through its queues)...
      expect(errors).toContainEqual(expect.objectContaining({ level: 50, redis: 'tasks' }));
      expect(errors).toContainEqual(
        expect.objectContaining({ redis: expect.stringMatching(/^queue /) }),
      );
      // ...then at most one per 10 s interval, not one per reconnection attempt.
      const perClient = new Map<unknown, number>();
      for (const line of errors) perClient.set(line.redis, (perClient.get(line.redis) ?? 0) + 1);
      for (const count of perClient.values())
        expect(count).toBeLessThanOrEqual(1 + Math.ceil(outageMs / 10_000));
      await pollUntil(
        async () =>
          service.logs().some((l) => l.msg === 'Redis connection restored' && l.redis === 'tasks')
            ? true
            : undefined,
        10_000,
        `${service.name} to log the recovery`,
      );
    }
    expect((await http(`${stack.url}/randomize/${before}/status`)).body.status).toBe('finished');
    const after = await submitted();
    expect((await waitForTask(stack.url, 'randomize', after, 30_000)).status).toBe('finished');
  });

  it('gives back the quota of an upload cut while Redis is down as soon as Redis returns, not when its lease expires', async () => {
    const redisClient = new Redis(redis.url, { lazyConnect: true });
    // Every client's open streamed uploads (MAX_CONCURRENT_UPLOADS_PER_CLIENT), summed.
    const openUploads = async () => {
      await redisClient.connect().catch(() => undefined);
      const keys = await redisClient.keys(`${stack.prefix}:client:*:uploads`);
      const counts = await Promise.all(keys.map((k) => redisClient.zcard(k)));
      return counts.reduce((a, b) => a + b, 0);
    };
    try {
      // A 10 MB upload that has sent 1 MB: it holds an upload slot, leased for minutes
      // (2 × UPLOAD_IDLE_TIMEOUT_MS + 60 s).
      const { hostname, port } = new URL(stack.url);
      const socket = connect({ host: hostname, port: Number(port) });
      socket.on('error', () => undefined);
      socket.write(
        `PUT /even-sum HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: text/plain\r\ncontent-length: 10000000\r\n\r\n`,
      );
      socket.write(Buffer.alloc(1 << 20, '2 '));
      await pollUntil(
        async () => ((await openUploads()) === 1 ? true : undefined),
        10_000,
        'the upload to hold a slot',
      );
      redisClient.disconnect();

      await redis.stop();
      socket.destroy();
      // The api tried to give the slot back while Redis was down, and failed.
      await pollUntil(
        async () =>
          stack.api.logs().some((l) => String(l.msg).startsWith('quota release failed'))
            ? true
            : undefined,
        10_000,
        'the api to fail releasing the cut upload',
      );
      await redis.restart();
      // Back within seconds of Redis (the lease would hold it for minutes).
      await pollUntil(
        async () => ((await openUploads()) === 0 ? true : undefined),
        20_000,
        'the slot to be given back',
      );
      // By the retry (the line reaches the test through the api's stdout: polled, not read once).
      await pollUntil(
        async () =>
          stack.api.logs().some((l) => l.msg === 'quota release done on a retry')
            ? true
            : undefined,
        10_000,
        'the api to log the release done on a retry',
      );
    } finally {
      redisClient.disconnect();
      if (!redis.running) await redis.restart();
    }
  });

  it('finishes tasks queued before a Redis restart (AOF), once a worker comes', async () => {
    expect(await stack.workers[0].stop('SIGTERM')).toBe(0);
    const tokens = [await submitted(), await submitted(), await submitted()];
    for (const token of tokens)
      expect((await http(`${stack.url}/randomize/${token}/status`)).body.status).toBe('requested');

    await redis.stop();
    await redis.restart();
    await readiness(stack.url, 200, 15_000);
    await stack.startWorker();
    for (const token of tokens)
      expect((await waitForTask(stack.url, 'randomize', token, 30_000)).status).toBe('finished');
  });
});
