import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { runCli } from './support/cli';
import { withRedis } from './support/faults';
import { http, waitForTask } from './support/http';
import { numbersFile } from './support/numbers-file';
import { LocalS3 } from './support/s3-server';
import { S3Stack } from './support/s3-stack';
import { Stack } from './support/stack';

const MiB = 1024 * 1024;
const ALICE: Record<string, string> = { authorization: 'Bearer alice-key-0001' };
const BOB: Record<string, string> = { authorization: 'Bearer bob-key-0002' };

interface StartedUpload {
  token: string;
  partSize: number;
  parts: { partNumber: number; url: string }[];
  expiresAt: string;
  error?: string;
}

// POST /even-sum/uploads with an Idempotency-Key: a start whose answer was lost is sent again and
// gets the same session back, so a retry never leaves a second multipart upload and reservation.
describe('Idempotency-Key on POST /even-sum/uploads (real api + worker + Redis + local S3 server)', () => {
  let s3Stack: S3Stack;
  let s3: LocalS3;
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    s3Stack = await S3Stack.start({
      workers: 1,
      env: {
        S3_PART_BYTES: String(5 * MiB),
        CHUNK_BYTES: String(MiB),
        API_KEYS: 'alice:alice-key-0001,bob:bob-key-0002',
        PRESIGN_EXPIRES_SECONDS: '600',
        // Enables callbackUrl on starts (no callback is due: those sessions are never completed).
        WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      },
    });
    ({ s3, stack } = s3Stack);
    dir = mkdtempSync(join(tmpdir(), 'tasks-upload-idem-'));
  });
  afterAll(async () => {
    await s3Stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = (
    size: number,
    key: string | undefined,
    headers = ALICE,
    fields: { callbackUrl?: string } = {},
  ) =>
    http<StartedUpload>(`${stack.url}/even-sum/uploads`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...headers,
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify({ size, ...fields }),
    });
  const sessions = () => withRedis(stack, (redis) => redis.keys(`${stack.prefix}:upload:*`));
  const pending = (client: string) =>
    withRedis(stack, (redis) => redis.zcard(`${stack.prefix}:client:${client}:pending`));

  it('answers the same key with the first session (201, Idempotent-Replayed), creating nothing; the replayed URLs complete the upload', async () => {
    const { data, expected } = await numbersFile(11 * MiB, 21);
    const first = await start(data.length, 'start-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const [uploadsBefore, sessionsBefore, pendingBefore] = [
      await s3.pendingUploads(),
      await sessions(),
      await pending('alice'),
    ];

    const again = await start(data.length, 'start-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.token).toBe(first.body.token);
    expect(again.body.partSize).toBe(first.body.partSize);
    expect(again.body.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    // Nothing new: no multipart upload, no session, no pending slot.
    expect(await s3.pendingUploads()).toEqual(uploadsBefore);
    expect((await sessions()).sort()).toEqual(sessionsBefore.sort());
    expect(await pending('alice')).toBe(pendingBefore);

    // The replay's fresh URLs belong to the same multipart upload: its parts complete it.
    const parts = await Promise.all(
      again.body.parts.map(async ({ partNumber, url }) => {
        const body = data.subarray((partNumber - 1) * MiB * 5, partNumber * MiB * 5);
        const res = await fetch(url, { method: 'PUT', body });
        expect(res.status).toBe(200);
        return { partNumber, etag: res.headers.get('etag')! };
      }),
    );
    const done = await http(`${stack.url}/even-sum/uploads/${first.body.token}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ALICE },
      body: JSON.stringify({ parts }),
    });
    expect(done.status).toBe(201);
    const final = await waitForTask(stack.url, 'even-sum', first.body.token, 60_000, ALICE);
    expect(final.status).toBe('finished');
    const result = await http(`${stack.url}/even-sum/${first.body.token}/result`, {
      headers: ALICE,
    });
    expect(result.body).toMatchObject({ sum: expected.sum });

    // The session has ended: the key no longer answers it, nor starts another.
    const ended = await start(data.length, 'start-1');
    expect(ended.status).toBe(404);
    expect(ended.body.error).toMatch(/has ended/);
    expect(await s3.pendingUploads()).toEqual([]);
  });

  it('refuses the same key with another size (422 {error}) and keeps keys per client', async () => {
    const first = await start(6 * MiB, 'start-2');
    expect(first.status).toBe(201);
    const other = await start(7 * MiB, 'start-2');
    expect(other.status).toBe(422);
    expect(other.body.error).toMatch(/Idempotency-Key was used for another request/);
    // A key of another route is another request too.
    const streamed = await http(`${stack.url}/even-sum`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'idempotency-key': 'start-2', ...ALICE },
      body: '2 4',
    });
    expect(streamed.status).toBe(422);
    // Bob's key of the same text is his own.
    const bob = await start(6 * MiB, 'start-2', BOB);
    expect(bob.status).toBe(201);
    expect(bob.headers.get('idempotent-replayed')).toBeNull();
    expect(bob.body.token).not.toBe(first.body.token);
    const bad = await start(6 * MiB, '');
    expect(bad.status).toBe(400);
  });

  it('refuses the same key with another callbackUrl, or none, with 422 {error}', async () => {
    const callbackUrl = 'https://hooks.example.com/uploads/a';
    const first = await start(6 * MiB, 'start-callback', ALICE, { callbackUrl });
    expect(first.status).toBe(201);
    const again = await start(6 * MiB, 'start-callback', ALICE, { callbackUrl });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.token).toBe(first.body.token);
    const other = await start(6 * MiB, 'start-callback', ALICE, {
      callbackUrl: 'https://hooks.example.com/uploads/b',
    });
    expect(other.status).toBe(422);
    expect(other.body.error).toMatch(/Idempotency-Key was used for another request/);
    const none = await start(6 * MiB, 'start-callback');
    expect(none.status).toBe(422);
  });

  it('makes one session of concurrent starts with one key', async () => {
    const uploadsBefore = (await s3.pendingUploads()).length;
    const sessionsBefore = (await sessions()).length;
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => start(6 * MiB, 'start-concurrent')),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = replies.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.token)).size).toBe(1);
    for (const busy of replies.filter((r) => r.status === 409)) {
      expect(busy.headers.get('retry-after')).toBe('5');
      expect(busy.body.error).toMatch(/still in progress/);
    }
    expect((await sessions()).length).toBe(sessionsBefore + 1);
    expect((await s3.pendingUploads()).length).toBe(uploadsBefore + 1);
    // Once started, the key answers that session.
    const later = await start(6 * MiB, 'start-concurrent');
    expect(later.status).toBe(201);
    expect(later.body.token).toBe(created[0].body.token);
  });

  it('documents the Idempotency-Key of the start route in Swagger', async () => {
    type Operation = {
      parameters?: { name: string; in: string }[];
      responses: Record<string, { headers?: object; description?: string }>;
    };
    const docs = await http<{ paths: Record<string, Record<string, Operation>> }>(
      `${stack.url}/docs-json`,
    );
    const op = docs.body.paths['/even-sum/uploads'].post;
    expect(op.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    expect(op.responses['201'].headers).toHaveProperty('Idempotent-Replayed');
    // The fs-mode meaning of 409 is kept beside the key's.
    expect(op.responses['409'].description).toMatch(/STORAGE=fs/);
  });

  it('the CLI sends its start again with the same key when the answer is lost: one session, completed', async () => {
    const file = join(dir, 'numbers.txt');
    const generated = generateNumbers({ bytes: 6 * MiB, seed: 8, negative: true, maxDigits: 18 });
    await pipeline(generated.stream, createWriteStream(file));
    const expected = await generated.expected;
    const [sessionsBefore, uploadsBefore] = [await sessions(), await s3.pendingUploads()];
    const proxy = await startAnswerDroppingProxy(new URL(stack.url));
    try {
      const run = await runCli(['even-sum', file, '--upload', 'presigned', '--json'], {
        TASKS_URL: proxy.url,
        TASKS_API_KEY: 'alice-key-0001',
      });
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 0,
        stderr: expect.stringMatching(/sending it again/),
      });
      expect(proxy.dropped()).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ sum: expected.sum });
      // Without the key, the lost start's session and multipart upload would still be there.
      expect((await sessions()).sort()).toEqual(sessionsBefore.sort());
      expect((await s3.pendingUploads()).sort()).toEqual(uploadsBefore.sort());
    } finally {
      await proxy.close();
    }
  });
});

/**
 * A TCP proxy to `target` that, on its first connection (the CLI's POST /even-sum/uploads),
 * forwards the request but resets the client's connection as soon as the answer starts.
 */
async function startAnswerDroppingProxy(
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
