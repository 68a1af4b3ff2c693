import { Readable } from 'node:stream';
import type Redis from 'ioredis';
import { storedEntries, withRedis } from '../support/faults';
import { http, waitForTask } from '../support/http';
import { randomPng } from '../support/images';
import { pollUntil } from '../support/poll';
import { Stack } from '../support/stack';
import { postPng } from '../support/submit';
import { upload } from '../support/upload';

/** Every key under `prefix` whose name or content (hash, set, zset, list, string) mentions one of `tokens`. */
async function keysMentioning(redis: Redis, prefix: string, tokens: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const key of await redis.keys(`${prefix}:*`)) {
    const type = await redis.type(key);
    const content =
      type === 'hash'
        ? Object.entries(await redis.hgetall(key)).flat()
        : type === 'set'
          ? await redis.smembers(key)
          : type === 'zset'
            ? await redis.zrange(key, 0, -1)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'string'
                ? [(await redis.get(key)) ?? '']
                : [];
    if (tokens.some((t) => key.includes(t) || content.some((c) => c.includes(t))))
      found.push(`${key} (${type})`);
  }
  return found;
}

describe('data lifecycle: nothing of a task outlives RESULT_TTL_SECONDS', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 1,
      // Records live 3 s, a sweep runs every second, blobs untouched for 2 × 1 s are fair game.
      env: {
        RESULT_TTL_SECONDS: '3',
        CLEANUP_INTERVAL_SECONDS: '1',
        UPLOAD_IDLE_TIMEOUT_MS: '1000',
        CHUNK_BYTES: '1024',
      },
    });
  });
  afterAll(() => stack?.stop());

  it('removes records, chunk results, bull jobs (failed ones too) and blobs of finished and errored tasks', async () => {
    expect(storedEntries(stack.dataDir)).toEqual([]);
    const png = await randomPng(130, 70);
    const corrupt = Buffer.from(png);
    corrupt.fill(0, 60, 200); // inside the image data: the header passes, decoding fails
    const replies = {
      randomize: await postPng(stack, png),
      evenSum: await upload(`${stack.url}/even-sum`, Readable.from(['12 -4 7 '.repeat(600)])),
      badPng: await postPng(stack, corrupt),
      badNumbers: await upload(`${stack.url}/even-sum`, Readable.from(['2 4 six 8\n'])),
    };
    for (const reply of Object.values(replies)) expect(reply.status).toBe(201);
    const tasks = [
      { kind: 'randomize', token: replies.randomize.body.token, status: 'finished' },
      { kind: 'even-sum', token: replies.evenSum.body.token, status: 'finished' },
      { kind: 'randomize', token: replies.badPng.body.token, status: 'errored' },
      { kind: 'even-sum', token: replies.badNumbers.body.token, status: 'errored' },
    ] as { kind: 'randomize' | 'even-sum'; token: string; status: string }[];
    for (const t of tasks)
      expect((await waitForTask(stack.url, t.kind, t.token, 10_000)).status).toBe(t.status);
    const tokens = tasks.map((t) => t.token);

    // Right after: the check sees what a task leaves (so an empty answer later means something).
    const left = await withRedis(stack, (r) => keysMentioning(r, stack.prefix, tokens));
    expect(left).toEqual(
      expect.arrayContaining([
        `${stack.prefix}:task:${tokens[1]}:chunks (hash)`,
        `${stack.prefix}:randomize:${tokens[2]} (hash)`,
        `${stack.prefix}:randomize:failed (zset)`,
      ]),
    );
    expect(storedEntries(stack.dataDir).length).toBeGreaterThanOrEqual(4);

    const gone = await pollUntil(
      async () => {
        const keys = await withRedis(stack, (r) => keysMentioning(r, stack.prefix, tokens));
        const files = storedEntries(stack.dataDir);
        return keys.length === 0 && files.length === 0 ? true : undefined;
      },
      20_000,
      'every key and blob of the tasks to go',
    ).catch(async (err: Error) => {
      const keys = await withRedis(stack, (r) => keysMentioning(r, stack.prefix, tokens));
      throw new Error(
        `${err.message}\nkeys left: ${JSON.stringify(keys)}\nfiles left: ${JSON.stringify(storedEntries(stack.dataDir))}`,
      );
    });
    expect(gone).toBe(true);
    for (const t of tasks) {
      const status = await http(`${stack.url}/${t.kind}/${t.token}/status`);
      expect(status.status).toBe(404);
      expect(status.body).toEqual({ error: 'task not found' });
    }
  });
});
