import { Readable } from 'node:stream';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { randomPng } from './support/images';
import { http, waitForTask } from './support/http';
import { withRedis } from './support/faults';
import { Stack } from './support/stack';
import { postPng } from './support/submit';
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

  const submit = (headers: Record<string, string>) => postPng(stack, png, { headers });

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
