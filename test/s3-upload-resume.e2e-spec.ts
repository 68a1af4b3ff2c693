import { UploadPartCommand } from '@aws-sdk/client-s3';
import { withRedis } from './support/faults';
import { http, waitForTask } from './support/http';
import { numbersFile } from './support/numbers-file';
import { pollUntil } from './support/poll';
import { S3CountingProxy } from './support/s3-proxy';
import { LocalS3 } from './support/s3-server';
import { S3Stack } from './support/s3-stack';
import { Stack } from './support/stack';

const MiB = 1024 * 1024;
const ALICE: Record<string, string> = { authorization: 'Bearer alice-key-0001' };
const BOB: Record<string, string> = { 'x-api-key': 'bob-key-0002' };
const KEYS = 'alice:alice-key-0001,bob:bob-key-0002';

interface Started {
  token: string;
  partSize: number;
  parts: { partNumber: number; url: string }[];
  expiresAt: string;
}
interface State {
  token: string;
  size: number;
  partSize: number;
  stored: { partNumber: number; size: number; etag: string; url: string }[];
  missing: { partNumber: number; url: string }[];
  expiresAt: string;
  error?: string;
}

const json = (body: unknown, headers: Record<string, string> = ALICE): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const slice = (data: Buffer, partSize: number, n: number) =>
  data.subarray((n - 1) * partSize, n * partSize);

/** PUTs parts to their presigned URLs as a client would; returns their ETags. */
const putParts = (data: Buffer, partSize: number, parts: { partNumber: number; url: string }[]) =>
  Promise.all(
    parts.map(async ({ partNumber, url }) => {
      const res = await fetch(url, { method: 'PUT', body: slice(data, partSize, partNumber) });
      expect(res.status).toBe(200);
      return { partNumber, etag: res.headers.get('etag')! };
    }),
  );

describe('resumable direct uploads (real api + worker + Redis + local S3 behind a counting proxy)', () => {
  let s3Stack: S3Stack;
  let s3: LocalS3;
  let proxy: S3CountingProxy;
  let stack: Stack;

  beforeAll(async () => {
    s3Stack = await S3Stack.start({
      proxy: true,
      workers: 1,
      env: {
        S3_PART_BYTES: String(5 * MiB),
        CHUNK_BYTES: String(4 * MiB),
        API_KEYS: KEYS,
        PRESIGN_EXPIRES_SECONDS: '600',
      },
    });
    ({ s3, stack } = s3Stack);
    proxy = s3Stack.proxy!;
  });
  afterAll(() => s3Stack?.stop());

  const state = (token: string, headers = ALICE) =>
    http<State>(`${stack.url}/even-sum/uploads/${token}`, { headers });

  it('lists the stored parts and presigns the missing ones; the upload then completes exact', async () => {
    const { data, expected } = await numbersFile(27 * MiB + 12_345, 21);
    const started = await http<Started>(
      `${stack.url}/even-sum/uploads`,
      json({ size: data.length }),
    );
    expect(started.status).toBe(201);
    const { token, partSize, parts } = started.body;
    expect(parts).toHaveLength(6);
    const firstHalf = await putParts(data, partSize, parts.slice(0, 3));
    // A part 4 of the wrong size in the bucket (sent with the bucket's own credentials): not this file's part.
    const { uploadId } = JSON.parse(
      (await withRedis(stack, (r) => r.get(`${stack.prefix}:upload:${token}`)))!,
    ) as { uploadId: string };
    const client = s3.client();
    await client.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: `${token}/input.txt`,
        UploadId: uploadId,
        PartNumber: 4,
        Body: Buffer.from('2 4 6\n'),
      }),
    );
    client.destroy();

    const resumed = await state(token);

    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ token, size: data.length, partSize });
    expect(resumed.body.stored.map(({ url, ...p }) => (expect(url).toMatch(/^http/), p))).toEqual(
      firstHalf.map((p) => ({ ...p, size: partSize })),
    );
    expect(resumed.body.missing.map((p) => p.partNumber)).toEqual([4, 5, 6]);
    expect(Date.parse(resumed.body.expiresAt)).toBeGreaterThanOrEqual(
      Date.parse(started.body.expiresAt),
    );
    const secondHalf = await putParts(data, partSize, resumed.body.missing);
    const completed = await http<{ token: string }>(
      `${stack.url}/even-sum/uploads/${token}/complete`,
      json({
        parts: [...resumed.body.stored, ...secondHalf].map(({ partNumber, etag }) => ({
          partNumber,
          etag,
        })),
      }),
    );
    expect(completed.status).toBe(201);
    const final = await waitForTask(stack.url, 'even-sum', token, 60_000, ALICE);
    expect(final.status).toBe('finished');
    const result = await http<{ sum: string }>(`${stack.url}/even-sum/${token}/result`, {
      headers: ALICE,
    });
    expect(result.body.sum).toBe(expected.sum);
    // A completed upload has no session left to resume.
    expect((await state(token)).status).toBe(404);
  });

  it("answers 404 for an unknown token, a malformed one and another client's upload, before asking S3", async () => {
    const started = await http<Started>(`${stack.url}/even-sum/uploads`, json({ size: 100 }));
    expect(started.status).toBe(201);
    const listings = () => proxy.requests.length;
    const before = listings();

    const unknown = await state('0123456789abcdef0123456789abcdef');
    const malformed = await state('not-a-token');
    const bobs = await state(started.body.token, BOB);

    for (const reply of [unknown, malformed, bobs]) {
      expect(reply.status).toBe(404);
      expect(reply.body.error).toMatch(/^upload not found/);
    }
    expect(listings()).toBe(before);
    expect((await state(started.body.token)).status).toBe(200);
  });
});

describe('a resumable upload session expires after PRESIGN_EXPIRES_SECONDS without activity', () => {
  const TTL_SECONDS = 4;
  let s3Stack: S3Stack;
  let s3: LocalS3;
  let stack: Stack;

  beforeAll(async () => {
    s3Stack = await S3Stack.start({
      workers: 1,
      env: {
        API_KEYS: KEYS,
        PRESIGN_EXPIRES_SECONDS: String(TTL_SECONDS),
        // The stale-upload sweep runs every second: it must spare the session kept alive.
        CLEANUP_INTERVAL_SECONDS: '1',
      },
    });
    ({ s3, stack } = s3Stack);
  });
  afterAll(() => s3Stack?.stop());

  const sessionAlive = (token: string) =>
    withRedis(stack, (r) => r.exists(`${stack.prefix}:upload:${token}`)).then((n) => n === 1);

  it('counts from the last request, not from the start', async () => {
    const started = await http<Started>(`${stack.url}/even-sum/uploads`, json({ size: 100 }));
    expect(started.status).toBe(201);
    const { token } = started.body;
    const firstExpiry = Date.parse(started.body.expiresAt);
    const res = await fetch(started.body.parts[0].url, {
      method: 'PUT',
      body: Buffer.alloc(100, '2'),
    });
    expect(res.status).toBe(200);
    // Come back shortly before the first expiry.
    await pollUntil(
      async () => (Date.now() >= firstExpiry - 2000 ? true : undefined),
      TTL_SECONDS * 1000,
      'the first expiry to draw near',
    );
    const touched = await http<State>(`${stack.url}/even-sum/uploads/${token}`, { headers: ALICE });
    expect(touched.status).toBe(200);
    expect(touched.body.stored.map((p) => p.partNumber)).toEqual([1]);
    const secondExpiry = Date.parse(touched.body.expiresAt);
    expect(secondExpiry).toBeGreaterThan(firstExpiry + 1000);

    // Past the first expiry: the session, its reservation and its upload are still there.
    await pollUntil(
      async () => (Date.now() >= firstExpiry + 500 ? true : undefined),
      TTL_SECONDS * 1000,
      'the first expiry to pass',
    );
    expect(await sessionAlive(token)).toBe(true);
    expect(await s3.pendingUploads()).toEqual([`${token}/input.txt`]);
    const pending = await withRedis(stack, (r) =>
      r.zscore(`${stack.prefix}:client:alice:pending`, token),
    );
    expect(Number(pending)).toBeGreaterThan(Date.now());

    // Left alone, it ends one period after the last request, and the sweep drops the upload.
    await pollUntil(
      async () => ((await sessionAlive(token)) ? undefined : true),
      10_000,
      'the session to expire',
    );
    expect(Date.now()).toBeGreaterThanOrEqual(secondExpiry - 50);
    expect((await http(`${stack.url}/even-sum/uploads/${token}`, { headers: ALICE })).status).toBe(
      404,
    );
    await pollUntil(
      async () => ((await s3.pendingUploads()).length === 0 ? true : undefined),
      20_000,
      'the sweep to abort the abandoned upload',
    );
  });
});

describe('GET /even-sum/uploads/:token with STORAGE=fs', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(() => stack?.stop());

  it('answers 409 pointing to the streaming route', async () => {
    const reply = await http(`${stack.url}/even-sum/uploads/0123456789abcdef0123456789abcdef`);
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual({
      error: 'direct uploads need STORAGE=s3; stream the file to POST /even-sum instead',
    });
  });
});
