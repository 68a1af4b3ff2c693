import { readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { randomPng } from './support/images';
import { http, waitForTask } from './support/http';
import { withRedis } from './support/faults';
import { Stack } from './support/stack';
import { upload } from './support/upload';

const MiB = 1024 * 1024;
const ALICE = { authorization: 'Bearer alice-key-123' };
const BOB = { 'x-api-key': 'bob-key-4567' };

describe('client identity and limits (API_KEYS on)', () => {
  let stack: Stack;
  let png: Buffer;

  beforeAll(async () => {
    png = await randomPng(64, 64);
    stack = await Stack.start({
      workers: 1,
      env: {
        API_KEYS: 'alice:alice-key-123,bob:bob-key-4567,carol:carol-key-890',
        RATE_LIMIT_PER_MINUTE: '5',
      },
    });
  });
  afterAll(() => stack?.stop());

  const submit = (headers: Record<string, string>) =>
    http<{ token?: string; error?: string }>(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', ...headers },
      body: png,
    });

  it('answers 401 {error} without a key or with a wrong one, on every task route', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer nope-nope-nope' },
      { 'x-api-key': 'nope' },
    ] as Record<string, string>[]) {
      const reply = await submit(headers);
      expect(reply.status).toBe(401);
      expect(reply.body.error).toMatch(/API key/);
    }
    expect((await http(`${stack.url}/even-sum/${'a'.repeat(32)}/status`)).status).toBe(401);
    // Health, docs and metrics stay open.
    for (const path of ['/health/ready', '/docs-json', '/metrics'])
      expect((await http(`${stack.url}${path}`)).status).toBe(200);
  });

  it('shows a token only to the client that created it: another key gets 404, as for an unknown token', async () => {
    const { status, body } = await submit(ALICE);
    expect(status).toBe(201);
    await waitForTask(stack.url, 'randomize', body.token!, 30_000, ALICE);
    expect(
      (await http(`${stack.url}/randomize/${body.token}/result`, { headers: ALICE })).status,
    ).toBe(200);
    for (const path of ['status', 'result']) {
      const other = await http(`${stack.url}/randomize/${body.token}/${path}`, { headers: BOB });
      expect(other.status).toBe(404);
      expect(other.body).toEqual({ error: 'task not found' });
    }
  });

  it('limits submissions per client with 429 and Retry-After, without touching other clients', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const reply = await submit(BOB);
      statuses.push(reply.status);
      if (reply.status === 429) {
        retryAfter = reply.headers.get('retry-after');
        expect(reply.body.error).toMatch(/rate limit exceeded/);
      }
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await submit({ 'x-api-key': 'carol-key-890' })).status).toBe(201);
  });
});

describe('pending-task cap', () => {
  let stack: Stack;

  beforeAll(async () => {
    // No worker: tasks stay unfinished.
    stack = await Stack.start({ workers: 0, env: { MAX_PENDING_TASKS_PER_CLIENT: '2' } });
  });
  afterAll(() => stack?.stop());

  it('answers 429 {error} once a client has MAX_PENDING_TASKS_PER_CLIENT unfinished tasks, and frees the slot when one ends', async () => {
    const send = () => upload(`${stack.url}/even-sum`, Readable.from(['2 4\n']));
    const [a, b, c] = [await send(), await send(), await send()];
    expect([a.status, b.status, c.status]).toEqual([201, 201, 429]);
    expect(c.body.error).toMatch(/MAX_PENDING_TASKS_PER_CLIENT/);
    await stack.startWorker();
    await waitForTask(stack.url, 'even-sum', a.body.token as string);
    await waitForTask(stack.url, 'even-sum', b.body.token as string);
    expect((await send()).status).toBe(201);
  });
});

describe.each([
  ['on', 'true'],
  ['off', 'false'],
])('scheduling order with fair scheduling %s (one worker slot)', (mode, flag) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 0,
      env: {
        API_KEYS: 'alice:alice-key-123,bob:bob-key-4567',
        CHUNK_BYTES: String(MiB),
        FAIR_SCHEDULING: flag,
      },
    });
  });
  afterAll(() => stack?.stop());

  /** When each chunk of a task started (from the chunk results the worker records). */
  async function chunkStarts(token: string): Promise<number[]> {
    const hash = await withRedis(stack, (redis) =>
      redis.hgetall(`${stack.prefix}:task:${token}:chunks`),
    );
    return Object.values(hash).map((json) => (JSON.parse(json) as { startedAt: number }).startedAt);
  }

  it(
    mode === 'on'
      ? 'runs a second client`s chunks before most of the first client`s 20'
      : 'runs the second client`s chunks after the first client`s (FIFO)',
    async () => {
      const big = generateNumbers({ bytes: 20 * MiB, seed: 1 });
      const small = generateNumbers({ bytes: 2 * MiB, seed: 2 });
      const alice = await upload(`${stack.url}/even-sum`, big.stream, { headers: ALICE });
      const bob = await upload(`${stack.url}/even-sum`, small.stream, { headers: BOB });
      await stack.startWorker({ WORKER_CONCURRENCY: '1' });
      const [a, b] = [alice.body.token as string, bob.body.token as string];
      expect((await waitForTask(stack.url, 'even-sum', a, 60_000, ALICE)).status).toBe('finished');
      expect((await waitForTask(stack.url, 'even-sum', b, 60_000, BOB)).status).toBe('finished');
      expect((await http(`${stack.url}/even-sum/${b}/result`, { headers: BOB })).body.sum).toBe(
        (await small.expected).sum,
      );

      const aliceStarts = await chunkStarts(a);
      const bobLast = Math.max(...(await chunkStarts(b)));
      expect(aliceStarts).toHaveLength(20);
      const aliceAfterBob = aliceStarts.filter((t) => t > bobLast).length;
      if (mode === 'on') expect(aliceAfterBob).toBeGreaterThanOrEqual(14);
      else expect(aliceAfterBob).toBe(0);
    },
  );
});

describe('express lane (one unit from a client with nothing queued)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 0,
      env: { API_KEYS: 'alice:alice-key-123,bob:bob-key-4567', CHUNK_BYTES: String(MiB) },
    });
  });
  afterAll(() => stack?.stop());

  const sumOf = async (token: string): Promise<unknown> => {
    expect((await waitForTask(stack.url, 'even-sum', token, 30_000, ALICE)).status).toBe(
      'finished',
    );
    return (await http(`${stack.url}/even-sum/${token}/result`, { headers: ALICE })).body.sum;
  };

  const waiting = (queue: string): Promise<number> =>
    withRedis(stack, (redis) => redis.llen(`${stack.prefix}:${queue}:wait`));

  it('is consumed only by express (and all-lane) workers; a client with a backlog goes to the normal queues', async () => {
    const big = generateNumbers({ bytes: 8 * MiB, seed: 3 });
    const small = generateNumbers({ bytes: 2 * MiB, seed: 4 });
    // Alice has nothing queued: her task (one plan job) takes the express lane.
    const first = await upload(`${stack.url}/even-sum`, big.stream, { headers: ALICE });
    expect(await waiting('express')).toBe(1);
    // Her next task comes while the first has not started: the normal queue.
    const second = await upload(`${stack.url}/even-sum`, small.stream, { headers: ALICE });
    expect(await waiting('express')).toBe(1);
    expect(await waiting('even-sum')).toBe(1);

    await stack.startWorker({ WORKER_LANES: 'normal', WORKER_CONCURRENCY: '1' });
    expect(await sumOf(second.body.token as string)).toBe((await small.expected).sum);
    // The normal worker had a free slot all along and left the express job alone.
    expect(
      (await http(`${stack.url}/even-sum/${first.body.token}/status`, { headers: ALICE })).body
        .status,
    ).toBe('requested');
    expect(await waiting('express')).toBe(1);

    await stack.startWorker({ WORKER_LANES: 'express', WORKER_CONCURRENCY: '1' });
    // The express worker plans it; its 8 chunks go to the normal chunk queue, where the other worker runs them.
    expect(await sumOf(first.body.token as string)).toBe((await big.expected).sum);
    expect(await waiting('express')).toBe(0);
  });
});

describe.each([
  ['FAIR_TAGS', { first: 'express', secondPriority: false }],
  ['EXPRESS_LANE', { first: 'even-sum', secondPriority: true }],
] as const)('fairness layer %s=false (for measurement)', (setting, expected) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 0,
      env: { API_KEYS: 'alice:alice-key-123', CHUNK_BYTES: String(MiB), [setting]: 'false' },
    });
  });
  afterAll(() => stack?.stop());

  it('switches that layer alone off', async () => {
    const send = () =>
      upload(`${stack.url}/even-sum`, generateNumbers({ bytes: 1000, seed: 5 }).stream, {
        headers: ALICE,
      });
    const first = (await send()).body.token as string;
    const second = (await send()).body.token as string;
    const opts = (queue: string, token: string) =>
      withRedis(stack, async (redis) => {
        const json = await redis.hget(`${stack.prefix}:${queue}:${token}`, 'opts');
        return json === null ? undefined : (JSON.parse(json) as { priority?: number });
      });
    // Alice had nothing queued: her first task is due now, the express lane's unless it is off.
    expect(await opts(expected.first, first)).toBeDefined();
    // Her second waits behind it in the even-sum queue: ordered by its tag unless tags are off.
    expect((await opts('even-sum', second))?.priority !== undefined).toBe(expected.secondPriority);
  });
});

describe('worker CPU priority (WORKER_NICE)', () => {
  let stack: Stack;
  afterAll(() => stack?.stop());

  it('runs every thread of the worker, including those started for jobs, at WORKER_NICE', async () => {
    stack = await Stack.start({ workers: 0, env: { CHUNK_BYTES: String(MiB) } });
    const worker = await stack.startWorker({ WORKER_NICE: '7', WORKER_CONCURRENCY: '2' });
    // An image (libuv and libvips threads) and a file of two chunks (the scan pool's threads).
    const image = await http<{ token: string }>(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await randomPng(120, 120),
    });
    const file = await upload(
      `${stack.url}/even-sum`,
      Readable.from([Buffer.from('2 4 6\n'.repeat(400_000))]),
    );
    expect((await waitForTask(stack.url, 'randomize', image.body.token)).status).toBe('finished');
    expect((await waitForTask(stack.url, 'even-sum', file.body.token as string)).status).toBe(
      'finished',
    );
    expect((await http(`${stack.url}/even-sum/${file.body.token}/result`)).body.sum).toBe(
      String(12 * 400_000),
    );

    const threads = readdirSync(`/proc/${worker.proc.pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${worker.proc.pid}/task/${tid}/stat`, 'utf8');
      // Fields after "(comm) ": state is field 3, nice field 19.
      return {
        name: readFileSync(`/proc/${worker.proc.pid}/task/${tid}/comm`, 'utf8').trim(),
        nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]),
      };
    });
    expect(threads.length).toBeGreaterThan(8);
    expect(threads.filter((t) => t.nice !== 7)).toEqual([]);
    expect(threads.some((t) => /vips/.test(t.name))).toBe(true);
  });
});
