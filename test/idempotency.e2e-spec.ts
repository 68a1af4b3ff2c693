import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { redisKeys } from '@app/tasks/redis';
import { http, Reply } from './support/http';
import { openUpload } from './support/open-upload';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';

const PNG = readFileSync(join(__dirname, 'fixtures', 'cat-133x200.png'));
const ALICE = { authorization: 'Bearer alice-key-123' };
const BOB = { authorization: 'Bearer bob-key-4567' };
const CAROL = { authorization: 'Bearer carol-key-890' };
const NUMBERS = Buffer.from('1 2 3 4 5 6 7 8 9 10\n'.repeat(1000)); // 21 000 bytes
// Room for one stored copy of BIG, not two: a replay charged again would be a 429.
const MAX_STORED = 2_000_000;
const BIG = Buffer.from('12345678 -24\n'.repeat(100_000)); // 1 300 000 bytes

// Idempotency-Key on every submission route against the real api (no worker: a task's record and
// blob stay as submitted, so "nothing new stored, nothing enqueued" can be counted exactly).
describe('idempotent submissions (Idempotency-Key)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 0,
      env: {
        API_KEYS: 'alice:alice-key-123,bob:bob-key-4567,carol:carol-key-890',
        MAX_STORED_BYTES_PER_CLIENT: String(MAX_STORED),
        // Enables callbackUrl (no worker runs here: no callback is ever delivered).
        WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      },
    });
  });
  afterAll(() => stack?.stop());

  const randomize = (
    key: string,
    headers: Record<string, string> = ALICE,
    query = '',
    body = PNG,
  ) =>
    http(`${stack.url}/randomize${query}`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'idempotency-key': key, ...headers },
      body,
    });

  const evenSum = (key: string, body: Buffer, method = 'POST', headers = ALICE, query = '') =>
    http(`${stack.url}/even-sum${query}`, {
      method,
      headers: { 'content-type': 'text/plain', 'idempotency-key': key, ...headers },
      body,
    });

  /** Task records of the stack (one per task made), and token directories in storage. */
  async function tasks(): Promise<{ records: number; blobs: number; jobs: number }> {
    const redis = stack.redis();
    try {
      const keys = await redis.keys(`${stack.prefix}:task:*`);
      const jobs = await redis.keys(`${stack.prefix}:*:[0-9a-f]*[0-9a-f]`);
      return {
        records: keys.filter((k) => /:task:[0-9a-f]{32}$/.test(k)).length,
        blobs: readdirSync(stack.dataDir).filter((d) => /^[0-9a-f]{32}$/.test(d)).length,
        jobs: jobs.filter((k) => /:(randomize|express|even-sum):[0-9a-f]{32}$/.test(k)).length,
      };
    } finally {
      redis.disconnect();
    }
  }

  /** Resolves once the api holds `key` of `client` for an upload in progress (its headers were read). */
  async function claimed(client: string, key: string): Promise<void> {
    const redis = stack.redis();
    try {
      await pollUntil(
        async () =>
          (await redis.hget(redisKeys.idempotency(stack.prefix, client, key), 'state')) ===
          'pending'
            ? true
            : undefined,
        10_000,
        `the api to claim ${key}`,
      );
    } finally {
      redis.disconnect();
    }
  }

  function expectCreated(reply: Reply<Record<string, unknown>>, replayed: boolean): string {
    expect(reply.status).toBe(201);
    expect(reply.headers.get('idempotent-replayed')).toBe(replayed ? 'true' : null);
    return reply.body.token as string;
  }

  it('answers a repeated submission with the first token, storing and enqueuing nothing more', async () => {
    const before = await tasks();
    const first = expectCreated(await randomize('img-1', ALICE, '?blockSize=20&seed=3'), false);
    const after = await tasks();
    expect(after).toEqual({
      records: before.records + 1,
      blobs: before.blobs + 1,
      jobs: before.jobs + 1,
    });
    for (let i = 0; i < 3; i++)
      expect(expectCreated(await randomize('img-1', ALICE, '?blockSize=20&seed=3'), true)).toBe(
        first,
      );
    expect(await tasks()).toEqual(after);

    const file = expectCreated(await evenSum('file-1', BIG, 'POST', CAROL), false);
    // PUT is the same request as POST (curl -T): replayed too. Stored bytes are not charged again
    // (MAX_STORED_BYTES_PER_CLIENT holds one copy of the file, not two).
    expect(expectCreated(await evenSum('file-1', BIG, 'PUT', CAROL), true)).toBe(file);
    expect(expectCreated(await evenSum('file-1', BIG, 'POST', CAROL), true)).toBe(file);
    // (A new submission of it is over the cap: the replays above really were not charged.)
    expect((await evenSum('file-1-again', BIG, 'POST', CAROL)).status).toBe(429);
    expect((await tasks()).records).toBe(after.records + 1);
  });

  it('refuses the same key with another request with 422 {error}', async () => {
    expectCreated(await randomize('img-2'), false);
    const otherParams = await randomize('img-2', ALICE, '?blockSize=30');
    expect(otherParams.status).toBe(422);
    expect(otherParams.body.error).toMatch(/Idempotency-Key was used for another request/);
    const otherBody = Buffer.from(PNG);
    otherBody[otherBody.length - 20] ^= 0xff; // same size, other bytes (inside IEND's CRC: still parses as PNG header)
    const changed = await randomize('img-2', ALICE, '', otherBody);
    expect(changed.status).toBe(422);
    expect(changed.body.error).toMatch(/other contents/);
    const otherKind = await evenSum('img-2', NUMBERS);
    expect(otherKind.status).toBe(422);

    expectCreated(await evenSum('file-2', NUMBERS), false);
    const sameSize = Buffer.from(NUMBERS);
    sameSize[0] = '9'.charCodeAt(0);
    const contents = await evenSum('file-2', sameSize);
    expect(contents.status).toBe(422);
    expect(contents.body.error).toMatch(/other contents/);
    const longer = await evenSum('file-2', Buffer.concat([NUMBERS, Buffer.from('2\n')]));
    expect(longer.status).toBe(422);
    expect(longer.body.error).toMatch(/21000 bytes, not 21002/);
  });

  it('refuses the same key with another callbackUrl, or none, with 422 {error}', async () => {
    const hook = (path: string) =>
      `?callbackUrl=${encodeURIComponent(`https://hooks.example.com/${path}`)}`;
    const image = expectCreated(await randomize('img-hook', ALICE, hook('a')), false);
    expect(expectCreated(await randomize('img-hook', ALICE, hook('a')), true)).toBe(image);
    const file = expectCreated(
      await evenSum('file-hook', NUMBERS, 'POST', ALICE, hook('a')),
      false,
    );
    expect(expectCreated(await evenSum('file-hook', NUMBERS, 'PUT', ALICE, hook('a')), true)).toBe(
      file,
    );
    for (const query of [hook('b'), '']) {
      const otherImage = await randomize('img-hook', ALICE, query);
      expect(otherImage.status).toBe(422);
      expect(otherImage.body.error).toMatch(/Idempotency-Key was used for another request/);
      const otherFile = await evenSum('file-hook', NUMBERS, 'POST', ALICE, query);
      expect(otherFile.status).toBe(422);
      expect(otherFile.body.error).toMatch(/Idempotency-Key was used for another request/);
    }
  });

  it('keeps keys per client: the same key from another client is a new task', async () => {
    const alice = expectCreated(await randomize('shared-key', ALICE), false);
    const bob = expectCreated(await randomize('shared-key', BOB), false);
    expect(bob).not.toBe(alice);
    const status = await http(`${stack.url}/randomize/${alice}/status`, { headers: BOB });
    expect(status.status).toBe(404);
  });

  it('makes one task of concurrent requests with one key', async () => {
    const before = await tasks();
    const replies = await Promise.all(Array.from({ length: 8 }, () => randomize('burst-1', BOB)));
    const created = replies.filter((r) => r.status === 201);
    // Each answer is the task (201, the same token) or "in progress, retry" (409, Retry-After).
    for (const r of replies) expect([201, 409]).toContain(r.status);
    for (const r of replies.filter((r) => r.status === 409)) {
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.body.error).toMatch(/still in progress/);
    }
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.token)).size).toBe(1);
    expect((await tasks()).records).toBe(before.records + 1);
  });

  it('answers 409 with Retry-After while the first upload with the key is still arriving, then replays it', async () => {
    const first = openUpload(`${stack.url}/even-sum`, NUMBERS.subarray(0, 1000), {
      headers: { ...BOB, 'idempotency-key': 'slow-1' },
      contentLength: NUMBERS.length,
    });
    await claimed('bob', 'slow-1');
    const busy = await evenSum('slow-1', NUMBERS, 'POST', BOB);
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatch(/still in progress/);
    expect(busy.headers.get('retry-after')).toBe('5');
    first.req.end(NUMBERS.subarray(1000));
    const made = await first.reply;
    expect(made.status).toBe(201);
    const retried = await evenSum('slow-1', NUMBERS, 'POST', BOB);
    expect(expectCreated(retried, true)).toBe(made.body.token);
  });

  it('frees the key of an upload that was cut off, so its retry makes the task', async () => {
    const before = await tasks();
    const cut = openUpload(`${stack.url}/even-sum`, NUMBERS.subarray(0, 1000), {
      headers: { ...BOB, 'idempotency-key': 'cut-1' },
      contentLength: NUMBERS.length,
    });
    await claimed('bob', 'cut-1');
    expect((await evenSum('cut-1', NUMBERS, 'POST', BOB)).status).toBe(409);
    cut.req.destroy();
    // Once the api has cleaned up after the cut upload, the retry goes through as a new task.
    const retried = await pollUntil(async () => {
      const reply = await evenSum('cut-1', NUMBERS, 'POST', BOB);
      return reply.status === 409 ? undefined : reply;
    }, 10_000);
    const token = expectCreated(retried, false);
    expect(expectCreated(await evenSum('cut-1', NUMBERS, 'POST', BOB), true)).toBe(token);
    expect((await tasks()).records).toBe(before.records + 1);
  });

  it('refuses an empty, too long or non-printable key with 400 {error}, before reading the body', async () => {
    for (const [key, error] of [
      ['', /is empty/],
      ['k'.repeat(256), /256 characters long \(at most 255\)/],
      ['tab\there', /printable ASCII/],
      ['caf\u00e9', /printable ASCII/],
    ] as const) {
      const image = await randomize(key);
      expect({ key, status: image.status }).toEqual({ key, status: 400 });
      expect(image.body.error).toMatch(error);
      const file = await http(`${stack.url}/even-sum`, {
        method: 'POST',
        headers: { ...ALICE, 'content-type': 'text/plain', 'idempotency-key': key },
        body: Readable.toWeb(Readable.from([NUMBERS])) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      expect({ key, status: file.status }).toEqual({ key, status: 400 });
      expect(file.body.error).toMatch(error);
    }
    expectCreated(await randomize('k'.repeat(255)), false);
  });
});
