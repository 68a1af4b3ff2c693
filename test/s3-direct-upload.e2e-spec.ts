import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { request } from 'node:http';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { blocksOf, decodePng, randomPng } from './support/images';
import { http, waitForTask } from './support/http';
import { numbersFile } from './support/numbers-file';
import { pollUntil } from './support/poll';
import { LocalS3 } from './support/s3-server';
import { S3Stack } from './support/s3-stack';
import { resultKeyOf, withRedis } from './support/faults';
import { Stack } from './support/stack';
import { upload } from './support/upload';

const MiB = 1024 * 1024;
const ALICE: Record<string, string> = { authorization: 'Bearer alice-key-0001' };
const BOB: Record<string, string> = { 'x-api-key': 'bob-key-0002' };

interface StartedUpload {
  token: string;
  partSize: number;
  parts: { partNumber: number; url: string }[];
  expiresAt: string;
  error?: string;
}

const json = (body: unknown, headers: Record<string, string> = ALICE): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('STORAGE=s3 end to end (real api + worker + Redis + local S3 server)', () => {
  let s3Stack: S3Stack;
  let s3: LocalS3;
  let stack: Stack;
  let client: S3Client;

  beforeAll(async () => {
    s3Stack = await S3Stack.start({
      workers: 1,
      env: {
        S3_PART_BYTES: String(5 * MiB),
        CHUNK_BYTES: String(MiB),
        API_KEYS: 'alice:alice-key-0001,bob:bob-key-0002',
        // The sweep runs every second, so abandoned uploads are seen being aborted below.
        CLEANUP_INTERVAL_SECONDS: '1',
        PRESIGN_EXPIRES_SECONDS: '600',
      },
    });
    ({ s3, stack } = s3Stack);
    client = s3.client();
  });
  afterAll(async () => {
    client?.destroy();
    await s3Stack?.stop();
  });

  const start = (size: unknown, headers = ALICE) =>
    http<StartedUpload>(`${stack.url}/even-sum/uploads`, json({ size }, headers));
  const complete = (token: string, parts: unknown, headers = ALICE) =>
    http<{ token?: string; error?: string }>(
      `${stack.url}/even-sum/uploads/${token}/complete`,
      json({ parts }, headers),
    );
  /** PUTs the file's parts to their presigned URLs (no credentials), as a client would; returns the ETags. */
  const putParts = (started: StartedUpload, data: Buffer) =>
    Promise.all(
      started.parts.map(async ({ partNumber, url }) => {
        const body = data.subarray(
          (partNumber - 1) * started.partSize,
          partNumber * started.partSize,
        );
        const res = await fetch(url, { method: 'PUT', body });
        expect(res.status).toBe(200);
        return { partNumber, etag: res.headers.get('etag')! };
      }),
    );
  const objectExists = (key: string) =>
    client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })).then(
      () => true,
      () => false,
    );
  const redisKeys = (pattern: string) =>
    withRedis(stack, (redis) => redis.keys(`${stack.prefix}:${pattern}`));

  it('runs randomize with its input and result in the bucket', async () => {
    const input = await randomPng(250, 130, 3);
    const created = await http<{ token: string }>(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', ...ALICE },
      body: input,
    });
    expect(created.status).toBe(201);
    const final = await waitForTask(stack.url, 'randomize', created.body.token, 60_000, ALICE);
    expect(final.status).toBe('finished');
    const result = await http(`${stack.url}/randomize/${created.body.token}/result`, {
      headers: ALICE,
    });
    expect(result.status).toBe(200);
    expect(blocksOf(await decodePng(result.bytes), 60).sort()).toEqual(
      blocksOf(await decodePng(input), 60).sort(),
    );
    expect(await objectExists(await resultKeyOf(stack, created.body.token))).toBe(true);
  });

  it('redirects a result request with redirect=true to a presigned GET that serves the same bytes', async () => {
    const input = await randomPng(190, 70, 4);
    const created = await http<{ token: string }>(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', ...ALICE },
      body: input,
    });
    const { token } = created.body;
    expect((await waitForTask(stack.url, 'randomize', token, 60_000, ALICE)).status).toBe(
      'finished',
    );
    const streamed = await http(`${stack.url}/randomize/${token}/result`, { headers: ALICE });

    const redirected = await fetch(`${stack.url}/randomize/${token}/result?redirect=true`, {
      headers: ALICE,
      redirect: 'manual',
    });
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('cache-control')).toBe('no-store');
    const location = new URL(redirected.headers.get('location')!);
    expect(location.origin).toBe(new URL(s3.endpoint).origin);
    // No credentials but the URL's own: the bytes come from the bucket, not the api.
    const fromBucket = await fetch(location);
    expect(fromBucket.status).toBe(200);
    expect(fromBucket.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await fromBucket.arrayBuffer()).equals(streamed.bytes)).toBe(true);

    // Another client gets no URL; a bad value is named.
    const bobs = await http(`${stack.url}/randomize/${token}/result?redirect=true`, {
      headers: BOB,
      redirect: 'manual',
    });
    expect(bobs.status).toBe(404);
    const bad = await http<{ error: string }>(
      `${stack.url}/randomize/${token}/result?redirect=yes`,
      { headers: ALICE },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/redirect must be true or false/);
  });

  it('sums a streamed upload exactly, its chunks read from S3 with ranged GETs', async () => {
    const { stream, expected } = generateNumbers({
      bytes: 6_000_000,
      seed: 11,
      negative: true,
      maxDigits: 30,
    });
    const created = await upload(`${stack.url}/even-sum`, stream, { headers: ALICE });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const final = await waitForTask(stack.url, 'even-sum', token, 60_000, ALICE);
    expect(final).toMatchObject({
      status: 'finished',
      progress: { bytesTotal: 6_000_000, chunksTotal: 6, chunksDone: 6 },
    });
    const want = await expected;
    const result = await http(`${stack.url}/even-sum/${token}/result`, { headers: ALICE });
    expect(result.body).toEqual({
      sum: want.sum,
      evenCount: want.evenCount,
      count: want.count,
      bytes: 6_000_000,
    });
    expect(await objectExists(`${token}/input.txt`)).toBe(true);
  });

  it('leaves no object, multipart upload or task when a streaming client disconnects mid-upload', async () => {
    const before = new Set(await s3.pendingUploads());
    const tasksBefore = await redisKeys('task:*');
    const req = request(`${stack.url}/even-sum`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...ALICE },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(6 * MiB, '4 '));
    // Disconnect once the first part is in S3, so there is a multipart upload to abort.
    const key = await pollUntil(
      async () => (await s3.pendingUploads()).find((k) => !before.has(k)),
      20_000,
      'the upload to reach S3',
    );
    req.destroy();
    await pollUntil(
      async () => (!(await s3.pendingUploads()).includes(key) ? true : undefined),
      20_000,
      'the multipart upload to be aborted',
    );
    expect(await objectExists(key)).toBe(false);
    expect(await redisKeys('task:*')).toEqual(tasksBefore);
  });

  it('takes a file PUT straight to S3 through presigned part URLs, then sums it exactly', async () => {
    const { data, expected } = await numbersFile(12 * 1000 * 1000, 5);
    const before = Date.now();
    const started = await start(data.length);
    expect(started.status).toBe(201);
    const { token, partSize, parts, expiresAt } = started.body;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(partSize).toBe(5 * MiB);
    expect(parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(Date.parse(expiresAt) - before).toBeGreaterThan(590_000);
    expect(await redisKeys(`upload:${token}`)).toHaveLength(1);
    const startedBy = Date.now();

    const etags = await putParts(started.body, data);
    const done = await complete(token, etags.reverse());
    expect(done.status).toBe(201);
    expect(done.body).toEqual({ token });

    const final = await waitForTask(stack.url, 'even-sum', token, 60_000, ALICE);
    expect(final).toMatchObject({
      status: 'finished',
      progress: { bytesTotal: data.length, chunksTotal: 12 },
    });
    // Lead time counts from the start of the upload, not from its completion.
    expect(Date.parse(final.requestedAt as string)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(final.requestedAt as string)).toBeLessThanOrEqual(startedBy);
    const result = await http(`${stack.url}/even-sum/${token}/result`, { headers: ALICE });
    expect(result.body).toEqual({
      sum: expected.sum,
      evenCount: expected.evenCount,
      count: expected.count,
      bytes: data.length,
    });
    expect(await redisKeys(`upload:${token}*`)).toEqual([]);
    expect(await s3.pendingUploads()).not.toContain(`${token}/input.txt`);
    // Completed: a second completion finds nothing.
    expect((await complete(token, etags)).status).toBe(404);
  });

  it('answers 400 to a completion with a part missing, and no task starts', async () => {
    const { data } = await numbersFile(11 * MiB, 6);
    const started = await start(data.length);
    const etags = await putParts(started.body, data);
    const reply = await complete(
      started.body.token,
      etags.filter((p) => p.partNumber !== 2),
    );
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/parts missing: 2 /);
    expect(
      (await http(`${stack.url}/even-sum/${started.body.token}/status`, { headers: ALICE })).status,
    ).toBe(404);
    expect(await redisKeys(`task:${started.body.token}`)).toEqual([]);
    // The parts are still there: the client can complete properly.
    expect((await complete(started.body.token, etags)).status).toBe(201);
  });

  it('answers 400 and drops the object when the parts do not add up to the declared size', async () => {
    const { data } = await numbersFile(7 * MiB, 7);
    const started = await start(data.length + 10);
    const etags = await putParts(started.body, data);
    const reply = await complete(started.body.token, etags);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe(
      `the parts hold ${data.length} bytes, not the ${data.length + 10} declared`,
    );
    expect(
      (await http(`${stack.url}/even-sum/${started.body.token}/status`, { headers: ALICE })).status,
    ).toBe(404);
    expect(await objectExists(`${started.body.token}/input.txt`)).toBe(false);
    expect((await complete(started.body.token, etags)).status).toBe(404);
  });

  it("answers 404 to another client's, an unknown or a malformed upload token", async () => {
    const started = await start(100);
    expect((await complete(started.body.token, [{ partNumber: 1, etag: '"x"' }], BOB)).status).toBe(
      404,
    );
    expect(
      (await complete('0123456789abcdef0123456789abcdef', [{ partNumber: 1, etag: '"x"' }])).status,
    ).toBe(404);
    expect((await complete('..%2F..%2Fx', [{ partNumber: 1, etag: '"x"' }])).status).toBe(404);
  });

  it('checks the declared size (400, 413), the body type (400) and the API key (401)', async () => {
    for (const size of [0, -1, 1.5, '12', undefined]) expect((await start(size)).status).toBe(400);
    const tooBig = await start(10 * 1024 ** 3 + 1);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatch(/exceeds the limit of 10737418240 bytes/);
    const notJson = await http(`${stack.url}/even-sum/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...ALICE },
      body: '{"size":1}',
    });
    expect(notJson.status).toBe(400);
    expect((await http(`${stack.url}/even-sum/uploads`, json({ size: 1 }, {}))).status).toBe(401);
  });

  it('aborts an abandoned upload once its session has expired and its parts are old', async () => {
    const started = await start(11 * MiB);
    const key = `${started.body.token}/input.txt`;
    expect(
      (await fetch(started.body.parts[0].url, { method: 'PUT', body: Buffer.alloc(5 * MiB, '2 ') }))
        .status,
    ).toBe(200);
    // As if the presigned URLs had expired: no session, nothing touched for longer than PRESIGN_EXPIRES_SECONDS.
    await withRedis(stack, (redis) => redis.del(`${stack.prefix}:upload:${started.body.token}`));
    await s3.backdateUpload(key, 3_600_000, { parts: true });
    const worker = stack.workers[0];
    const sweptLog = () =>
      worker.logs().some((l) => l.msg === 'stale multipart uploads aborted' && l.aborted === 1);
    // The sweep aborts the upload, then finishes its listing before it logs: wait for both.
    await pollUntil(
      async () => (!(await s3.pendingUploads()).includes(key) && sweptLog() ? true : undefined),
      20_000,
      'the sweep to abort the upload and log it',
    );
    expect(sweptLog()).toBe(true);
    expect(worker.logs().filter((l) => l.msg === 'job failed')).toEqual([]);
  });
});

describe('direct uploads with STORAGE=fs', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(() => stack?.stop());

  it('answers 409 pointing to the streaming route', async () => {
    const message = 'direct uploads need STORAGE=s3; stream the file to POST /even-sum instead';
    const started = await http(`${stack.url}/even-sum/uploads`, json({ size: 10 }, {}));
    expect(started.status).toBe(409);
    expect(started.body).toEqual({ error: message });
    const completed = await http(
      `${stack.url}/even-sum/uploads/0123456789abcdef0123456789abcdef/complete`,
      json({ parts: [] }, {}),
    );
    expect(completed.status).toBe(409);
    expect(completed.body).toEqual({ error: message });
  });
});
