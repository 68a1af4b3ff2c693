import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { http, waitForTask } from './support/http';
import { openUpload } from './support/open-upload';
import { pollUntil } from './support/poll';
import { storedFiles, withRedis } from './support/faults';
import { Stack } from './support/stack';

const KiB = 1024;

/** A generated numbers file in memory, with its answer. */
async function numbers(bytes: number, seed: number) {
  const { stream, expected } = generateNumbers({ bytes, seed, negative: true, maxDigits: 30 });
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return { data: Buffer.concat(parts), want: await expected };
}

/** A stack of its own for each describe: the abort test checks that nothing at all is left. */
function pipelineStack() {
  const ctx = {} as { stack: Stack };
  const recordKey = () => new RegExp(`^${ctx.stack.prefix}:task:([0-9a-f]{32})$`);
  const tokens = () =>
    withRedis(ctx.stack, async (redis) =>
      (await redis.keys(`${ctx.stack.prefix}:task:*`)).flatMap(
        (k) => recordKey().exec(k)?.[1] ?? [],
      ),
    );
  /** The token of the task record an open upload created, read from Redis (the client has no token yet). */
  const openTask = async (before: string[]) => {
    const fresh = (await tokens()).filter((t) => !before.includes(t));
    return fresh.length === 1 ? fresh[0] : undefined;
  };
  beforeAll(async () => {
    ctx.stack = await Stack.start({
      workers: 1,
      env: { CHUNK_BYTES: String(64 * KiB), WORKER_CONCURRENCY: '2' },
    });
  });
  afterAll(() => ctx.stack?.stop());
  return { ctx, tokens, openTask };
}

describe('even-sum scanned while its upload arrives (fs storage, real api + worker + Redis)', () => {
  const { ctx, tokens, openTask } = pipelineStack();

  it('scans the first chunks while the upload is still open, then finishes with the exact sum', async () => {
    const { data, want } = await numbers(2 * 1000 * 1000, 11);
    const first = 700 * 1000;
    const before = await tokens();
    const upload = openUpload(`${ctx.stack.url}/even-sum`, data.subarray(0, first), {
      contentLength: data.length,
    });
    let answered = false;
    void upload.reply.then(() => (answered = true));

    const token = await pollUntil(
      () => openTask(before),
      30_000,
      'the task record of the open upload',
    );
    // Scanned before the body has ended: the client has sent 700 kB of 2 MB and waits.
    const during = await pollUntil(
      async () => {
        const { body } = await http(`${ctx.stack.url}/even-sum/${token}/status`);
        const progress = body.progress as Record<string, number>;
        return progress.bytesScanned > 0 ? body : undefined;
      },
      30_000,
      'bytes scanned while the upload is open',
    );
    expect(answered).toBe(false);
    expect(during.status).toBe('requested');
    const progress = during.progress as Record<string, number>;
    expect(progress.bytesReceived).toBeGreaterThan(0);
    expect(progress.bytesReceived).toBeLessThanOrEqual(first);
    expect(progress.bytesScanned).toBeLessThanOrEqual(progress.bytesReceived);
    expect(progress.chunksTotal).toBe(0);

    upload.req.end(data.subarray(first));
    const reply = await upload.reply;
    expect(reply).toEqual({ status: 201, body: { token } });
    const final = await waitForTask(ctx.stack.url, 'even-sum', token, 60_000);
    expect(final).toMatchObject({
      status: 'finished',
      progress: {
        bytesTotal: data.length,
        bytesReceived: data.length,
        bytesScanned: data.length,
        chunksTotal: Math.ceil(data.length / (64 * KiB)),
      },
    });
    const result = await http(`${ctx.stack.url}/even-sum/${token}/result`);
    expect(result.body).toEqual({ ...want, bytes: data.length });
  });
});

describe('even-sum: an upload aborted after its first chunks were queued', () => {
  const { ctx, tokens, openTask } = pipelineStack();

  it('an upload aborted after chunks were queued leaves nothing: no task, results, jobs or blob, and the quota back to 0', async () => {
    const { data } = await numbers(3 * 1000 * 1000, 12);
    const first = 1000 * 1000;
    const before = await tokens();
    const upload = openUpload(`${ctx.stack.url}/even-sum`, data.subarray(0, first), {
      contentLength: data.length,
    });
    const token = await pollUntil(
      () => openTask(before),
      30_000,
      'the task record of the open upload',
    );
    // Several chunks queued and at least one recorded before the client goes away.
    await pollUntil(
      () =>
        withRedis(ctx.stack, async (redis) => {
          const done = Number(await redis.hget(`${ctx.stack.prefix}:task:${token}`, 'chunksDone'));
          return done >= 2 ? done : undefined;
        }),
      30_000,
      'chunks recorded before the abort',
    );
    upload.req.destroy();
    expect((await upload.reply).status).toBe(-1);

    const left = () =>
      withRedis(ctx.stack, async (redis) => {
        const keys = await redis.keys(`${ctx.stack.prefix}:*`);
        const ofTask = keys.filter((k) => k.includes(token));
        const usage: string[] = [];
        for (const key of keys.filter((k) => k.startsWith(`${ctx.stack.prefix}:client:`))) {
          const type = await redis.type(key);
          const n = type === 'zset' ? await redis.zcard(key) : await redis.hlen(key);
          if (n > 0) usage.push(`${key} (${n})`);
        }
        // A chunk job still running at the abort must find its task gone and record nothing:
        // checked once no chunk job is running.
        const running = await redis.llen(`${ctx.stack.prefix}:even-sum-chunk:active`);
        return { ofTask, usage, files: storedFiles(ctx.stack.dataDir), running };
      });
    const nothing = { ofTask: [], usage: [], files: [], running: 0 };
    await pollUntil(
      async () => {
        const now = await left();
        return JSON.stringify(now) === JSON.stringify(nothing) ? now : undefined;
      },
      30_000,
      'nothing left of the aborted upload',
    ).catch(async (err: unknown) => {
      throw new Error(
        `${String(err)}; left: ${JSON.stringify(await left())}\n${ctx.stack.api.output.slice(-15).join('\n')}`,
      );
    });
    expect((await http(`${ctx.stack.url}/even-sum/${token}/status`)).status).toBe(404);
  });
});
