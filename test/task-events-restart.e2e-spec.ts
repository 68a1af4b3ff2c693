import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { spawnCli } from './support/cli';
import { withRedis } from './support/faults';
import { pollUntil } from './support/poll';
import { openEvents, SseEvent } from './support/sse';
import { ServiceProcess, Stack } from './support/stack';
import { upload } from './support/upload';

const KiB = 1024;
const TOKEN = /[0-9a-f]{32}/;

// An event stream that an api restart cuts is resumed on another api process with Last-Event-ID:
// the client gets the current status at once, progress only if newer than what it had, and the
// end if the task ended while it was away. The stack starts without workers, so a task does not
// move until a test starts one.
describe('event streams across an api restart: Last-Event-ID, retry (real api processes, worker, Redis)', () => {
  let stack: Stack;
  let dir: string;
  const extra: ServiceProcess[] = [];

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0, env: { CHUNK_BYTES: String(4 * KiB) } });
    dir = mkdtempSync(join(tmpdir(), 'tasks-events-restart-'));
  });
  afterAll(async () => {
    await Promise.all(extra.map((api) => api.stop('SIGKILL')));
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startApi(): Promise<ServiceProcess> {
    const api = await stack.startApi();
    extra.push(api);
    return api;
  }

  async function stopWorkers(): Promise<void> {
    await Promise.all(stack.workers.splice(0).map((w) => w.stop('SIGKILL')));
  }

  async function submitEvenSum(bytes: number, seed: number): Promise<string> {
    const { stream } = generateNumbers({ bytes, seed, negative: true, maxDigits: 12 });
    const created = await upload(`${stack.url}/even-sum`, stream, {
      headers: { 'content-length': bytes },
    });
    expect(created.status).toBe(201);
    return created.body.token as string;
  }

  it('resumes a stream cut by SIGKILL on another api process with Last-Event-ID: progress only if newer, then the end', async () => {
    await stopWorkers();
    // 512 chunks of 4 KiB, one at a time: the task runs for a while, so it is frozen mid-way.
    const token = await submitEvenSum(2048 * KiB, 11);
    const apiA = await startApi();
    const apiB = await startApi();

    const first = await openEvents(`${apiA.url}/even-sum/${token}/events`);
    expect(first.status).toBe(200);
    await pollUntil(
      async () => (first.events.length >= 1 ? true : undefined),
      10_000,
      'the snapshot on api A',
    );
    expect(first.retry).toBe(1000);
    const worker = await stack.startWorker({ WORKER_CONCURRENCY: '1' });
    await pollUntil(
      async () =>
        first.events.some((e) => e.event === 'progress' && (parse(e).chunksDone as number) > 0)
          ? true
          : undefined,
      60_000,
      'a chunk to be done',
    );
    // Frozen mid-task: nothing changes the record until SIGCONT.
    worker.proc.kill('SIGSTOP');
    try {
      const record = await withRedis(stack, (redis) =>
        redis.hmget(`${stack.prefix}:task:${token}`, 'status', 'eventSeq'),
      );
      if (record[0] !== 'received') throw new Error(`the task is ${record[0]}, not running`);
      const lastId = record[1]!;
      // Api A has sent every change so far; then it dies without a word.
      await pollUntil(
        async () => (first.events.some((e) => e.id === lastId) ? true : undefined),
        10_000,
        `event ${lastId} on api A`,
      );
      apiA.proc.kill('SIGKILL');
      await apiA.exited;
      await first.closed.catch(() => undefined);
      expect(first.events.map((e) => e.event)).not.toContain('end');

      // On api B: with the last id, the status at once and no progress (the client has it) ...
      const resumed = await openEvents(`${apiB.url}/even-sum/${token}/events`, {
        'last-event-id': lastId,
      });
      await pollUntil(
        async () => (resumed.events.length >= 1 ? true : undefined),
        10_000,
        'the status on api B',
      );
      // ... while a client one change behind gets the progress with it. Opened after the first
      // status arrived, its snapshot is written after the one above: no progress came there.
      const behind = await openEvents(`${apiB.url}/even-sum/${token}/events`, {
        'last-event-id': String(Number(lastId) - 1),
      });
      await pollUntil(
        async () => (behind.events.length >= 2 ? true : undefined),
        10_000,
        'the snapshot of a client one change behind',
      );
      expect(behind.events.map((e) => [e.event, e.id])).toEqual([
        ['status', lastId],
        ['progress', lastId],
      ]);
      expect(resumed.events.map((e) => [e.event, e.id, e.data])).toEqual([
        ['status', lastId, '{"status":"received"}'],
      ]);
      behind.abort();

      // The task goes on and ends: the resumed stream gets the rest and the end.
      worker.proc.kill('SIGCONT');
      await resumed.closed;
      const names = resumed.events.map((e) => e.event);
      expect(names.at(-1)).toBe('end');
      expect(parse(resumed.events.at(-1)!)).toMatchObject({
        status: 'finished',
        progress: { chunksDone: 512, chunksTotal: 512 },
      });
      const ids = resumed.events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
    } finally {
      worker.proc.kill('SIGCONT');
    }
  });

  it('gives a client that comes back after the end, with its last id, the final status and the end at once', async () => {
    await stopWorkers();
    const token = await submitEvenSum(64 * KiB, 13);
    const apiA = await startApi();
    const first = await openEvents(`${apiA.url}/even-sum/${token}/events`);
    await pollUntil(
      async () => (first.events.length >= 1 ? true : undefined),
      10_000,
      'the snapshot on api A',
    );
    const lastId = first.events.at(-1)!.id!;
    apiA.proc.kill('SIGKILL');
    await apiA.exited;
    await first.closed.catch(() => undefined);

    // The task runs and ends while the client is away.
    await stack.startWorker();
    await pollUntil(
      async () => {
        const res = await fetch(`${stack.url}/even-sum/${token}/status`);
        return ((await res.json()) as { status: string }).status === 'finished' ? true : undefined;
      },
      60_000,
      'the task to finish',
    );
    const apiB = await startApi();
    const resumed = await openEvents(`${apiB.url}/even-sum/${token}/events`, {
      'last-event-id': lastId,
    });
    await resumed.closed;
    expect(resumed.events.map((e) => e.event)).toEqual(['status', 'end']);
    expect(parse(resumed.events[0])).toEqual({ status: 'finished' });
    expect(parse(resumed.events[1])).toMatchObject({ status: 'finished' });
    expect(Number(resumed.events[0].id)).toBeGreaterThan(Number(lastId));
  });

  it("the CLI's wait survives an api restart: it reconnects with Last-Event-ID and prints the sum", async () => {
    await stopWorkers();
    const numbers = join(dir, 'numbers.txt');
    const generated = generateNumbers({
      bytes: 1536 * KiB,
      seed: 12,
      negative: true,
      maxDigits: 20,
    });
    await pipeline(generated.stream, createWriteStream(numbers));
    const expected = await generated.expected;
    const apiA = await startApi();
    const proxy = await switchingProxy(apiA.url);
    try {
      const cli = spawnCli(['even-sum', numbers, '--json'], { TASKS_URL: proxy.url }, dir);
      const token = await pollUntil(
        async () => TOKEN.exec(cli.stderr())?.[0],
        30_000,
        'the CLI to upload',
      );
      const watching = (n: number) =>
        pollUntil(
          async () =>
            proxy.requests().filter((r) => r.includes('/events')).length >= n ? true : undefined,
          30_000,
          `event stream connection ${n}`,
        );
      await watching(1);

      // The api the CLI is connected to dies; the next connection goes to a fresh process.
      const apiB = await startApi();
      proxy.target(apiB.url);
      apiA.proc.kill('SIGKILL');
      await watching(2);
      await stack.startWorker();

      const done = await cli.done;
      expect({ code: done.code, stderr: done.stderr }).toMatchObject({ code: 0 });
      expect(JSON.parse(done.stdout)).toMatchObject({ token, sum: expected.sum });
      const streams = proxy.requests().filter((r) => r.startsWith(`GET /even-sum/${token}/events`));
      expect(streams.length).toBeGreaterThanOrEqual(2);
      expect(streams[0]).not.toMatch(/^last-event-id:/im);
      expect(streams[1]).toMatch(/^last-event-id: \d+\r?$/im);
    } finally {
      await proxy.close();
    }
  });
});

function parse(event: SseEvent): Record<string, unknown> {
  return JSON.parse(event.data) as Record<string, unknown>;
}

/**
 * A TCP proxy whose target can change: connections open keep their upstream, new ones go to the
 * current target. Records the head of each request it forwards (HTTP/1.1, one request per read).
 */
async function switchingProxy(initial: string): Promise<{
  url: string;
  target(url: string): void;
  requests(): string[];
  close(): Promise<void>;
}> {
  let target = new URL(initial);
  const heads: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (/^[A-Z]+ \/\S* HTTP\/1\.1\r\n/.test(text)) heads.push(text.split('\r\n\r\n')[0]);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    target: (url) => (target = new URL(url)),
    requests: () => [...heads],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
