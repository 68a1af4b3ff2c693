import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ExpectedEvenSum, generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { runCli, spawnCli } from './support/cli';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';

const KiB = 1024;
const TOKEN = /[0-9a-f]{32}/;

// The CLI waits through the event stream (no status polling) and sends an Idempotency-Key with
// every upload, reused by its retries: a retry after a lost answer gets the first task's token.
describe('tasks CLI: waiting through events, idempotent uploads (real api + worker + Redis)', () => {
  let stack: Stack;
  let dir: string;
  let numbers: string;
  let expected: ExpectedEvenSum;
  const size = 1536 * KiB;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0, env: { CHUNK_BYTES: String(256 * KiB) } });
    dir = mkdtempSync(join(tmpdir(), 'tasks-cli-events-'));
    numbers = join(dir, 'numbers.txt');
    const generated = generateNumbers({ bytes: size, seed: 5, negative: true, maxDigits: 20 });
    await pipeline(generated.stream, createWriteStream(numbers));
    expected = await generated.expected;
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The api's request log lines for `token`'s routes (pino-http: one per answered request). */
  function requestsFor(token: string): string[] {
    return stack.api
      .logs()
      .map((line) => (line.req as { method?: string; url?: string } | undefined) ?? {})
      .filter((req) => req.url?.includes(token))
      .map((req) => `${req.method} ${req.url}`);
  }

  it('waits for an even-sum through its event stream, not by polling, and prints the sum', async () => {
    const cli = spawnCli(['even-sum', numbers, '--json'], { TASKS_URL: stack.url }, dir);
    // No worker yet: the CLI is waiting on a task that cannot move until one starts.
    const token = await pollUntil(
      async () => TOKEN.exec(cli.stderr())?.[0],
      30_000,
      'the CLI to upload',
    );
    await pollUntil(
      async () => {
        const redis = stack.redis();
        try {
          const [, n] = (await redis.call(
            'PUBSUB',
            'NUMSUB',
            `${stack.prefix}:task:${token}:events`,
          )) as [string, number];
          return Number(n) >= 1 ? true : undefined;
        } finally {
          redis.disconnect();
        }
      },
      30_000,
      'the CLI to open the event stream',
    );
    await stack.startWorker();
    const done = await cli.done;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ token, sum: expected.sum, bytes: size });
    // The request log is written as each answer ends; the result's is the last.
    const requests = await pollUntil(async () => {
      const lines = requestsFor(token);
      return lines.some((l) => l.endsWith('/result')) ? lines : undefined;
    }, 10_000);
    expect(requests).toEqual([`GET /even-sum/${token}/events`, `GET /even-sum/${token}/result`]);
  });

  it('sends its upload again with the same Idempotency-Key when the answer is lost: one task', async () => {
    // A proxy that forwards the whole upload but drops the first answer: the api made the task,
    // the CLI only sees its connection reset.
    const proxy = await answerDroppingProxy(new URL(stack.url));
    try {
      const before = await taskCount(stack);
      const run = await runCli(
        ['even-sum', numbers, '--upload', 'stream', '--no-wait', '--json'],
        { TASKS_URL: proxy.url },
        dir,
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/sending it again/);
      expect(proxy.dropped()).toBe(1);
      const { token } = JSON.parse(run.stdout) as { token: string };
      expect(token).toMatch(TOKEN);
      expect(await taskCount(stack)).toBe(before + 1);
      const redis = stack.redis();
      try {
        const keys = await redis.keys(`${stack.prefix}:client:anonymous:idem:*`);
        const tokens = await Promise.all(keys.map((k) => redis.hget(k, 'token')));
        expect(tokens).toContain(token);
      } finally {
        redis.disconnect();
      }
    } finally {
      await proxy.close();
    }
  });
});

async function taskCount(stack: Stack): Promise<number> {
  const redis = stack.redis();
  try {
    const keys = await redis.keys(`${stack.prefix}:task:*`);
    return keys.filter((k) => /:task:[0-9a-f]{32}$/.test(k)).length;
  } finally {
    redis.disconnect();
  }
}

/**
 * A TCP proxy to `target` that, on its first connection, forwards the request but resets the
 * client's connection as soon as the server's answer starts, instead of relaying it.
 */
async function answerDroppingProxy(
  target: URL,
): Promise<{ url: string; dropped(): number; close(): Promise<void> }> {
  let connections = 0;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const first = ++connections === 1;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    if (first) {
      upstream.once('data', () => {
        dropped++;
        client.resetAndDestroy();
        upstream.destroy();
      });
    } else {
      upstream.pipe(client);
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    dropped: () => dropped,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
