import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { spawnCli } from './support/cli';
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
    stack = await Stack.start({ workers: 0, env: { CHUNK_BYTES: String(256 * KiB) } });
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
    const token = await submitEvenSum(2048 * KiB, 11);
    const apiA = await startApi();
    const apiB = await startApi();

    // On A: the current state, the plan's progress included (its chunks are queued, none scanned).
    const first = await openEvents(`${apiA.url}/even-sum/${token}/events`);
    expect(first.status).toBe(200);
    await pollUntil(
      async () => (first.events.length >= 2 ? true : undefined),
      10_000,
      'the snapshot on api A',
    );
    expect(first.retry).toBe(1000);
    expect(first.events.map((e) => e.event)).toEqual(['status', 'progress']);
    expect(parse(first.events[1])).toMatchObject({ chunksDone: 0, chunksTotal: 8 });
    const lastId = first.events.at(-1)!.id!;
    expect(lastId).toMatch(/^\d+$/);

    apiA.proc.kill('SIGKILL');
    await apiA.exited;
    await first.closed.catch(() => undefined);
    expect(first.events.map((e) => e.event)).not.toContain('end');

    // Nothing changed since: with Last-Event-ID, the status at once and no progress again.
    const unchanged = await openEvents(`${apiB.url}/even-sum/${token}/events`, {
      'last-event-id': lastId,
    });
    await pollUntil(
      async () => (unchanged.events.length >= 1 ? true : undefined),
      10_000,
      'the status on api B',
    );
    // A progress event would come with the status, in the same write: give it the time of a
    // heartbeat-free round trip by asking for a second stream's snapshot, which is written later.
    const without = await openEvents(`${apiB.url}/even-sum/${token}/events`);
    await pollUntil(
      async () => (without.events.length >= 2 ? true : undefined),
      10_000,
      'the full snapshot on api B',
    );
    expect(without.events.map((e) => e.event)).toEqual(['status', 'progress']);
    expect(unchanged.events.map((e) => [e.event, e.id])).toEqual([['status', lastId]]);
    unchanged.abort();
    without.abort();

    // The task runs and ends while no stream is open; the client comes back with its last id.
    await stack.startWorker();
    await pollUntil(
      async () => {
        const res = await fetch(`${apiB.url}/even-sum/${token}/status`);
        const body = (await res.json()) as { status: string };
        return body.status === 'finished' ? true : undefined;
      },
      60_000,
      'the task to finish',
    );
    const resumed = await openEvents(`${apiB.url}/even-sum/${token}/events`, {
      'last-event-id': lastId,
    });
    await resumed.closed;
    expect(resumed.events.map((e) => e.event)).toEqual(['status', 'end']);
    expect(parse(resumed.events[0])).toEqual({ status: 'finished' });
    expect(parse(resumed.events[1])).toMatchObject({
      status: 'finished',
      progress: { chunksDone: 8, chunksTotal: 8 },
    });
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
