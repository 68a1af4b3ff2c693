import { UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { http, waitForTask } from './support/http';
import { clientUsage } from './support/open-upload';
import { LocalS3 } from './support/s3-server';
import { S3Stack } from './support/s3-stack';
import { Stack } from './support/stack';

const MiB = 1024 * 1024;
const keyOf = (client: string): Record<string, string> => ({
  authorization: `Bearer ${client}-key-0001`,
});

interface Started {
  token: string;
  partSize: number;
  parts: { partNumber: number; url: string }[];
  error?: string;
}

/**
 * The signature a PUT of `contentLength` bytes to this part URL must carry: the URL re-signed
 * with the same credentials, date and lifetime for that length. S3 computes the same on arrival
 * from the request's Content-Length header and refuses a mismatch (SignatureDoesNotMatch).
 */
async function signatureFor(s3: LocalS3, url: string, contentLength: number): Promise<string> {
  const u = new URL(url);
  const q = u.searchParams;
  const d = q.get('X-Amz-Date')!;
  const signingDate = new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  );
  const [, bucket, ...key] = u.pathname.split('/');
  const client = s3.client();
  try {
    const resigned = await getSignedUrl(
      client,
      new UploadPartCommand({
        Bucket: bucket,
        Key: decodeURIComponent(key.join('/')),
        UploadId: q.get('uploadId')!,
        PartNumber: Number(q.get('partNumber')),
        ContentLength: contentLength,
      }),
      {
        signingDate,
        expiresIn: Number(q.get('X-Amz-Expires')),
        signableHeaders: new Set(['content-length']),
      },
    );
    return new URL(resigned).searchParams.get('X-Amz-Signature')!;
  } finally {
    client.destroy();
  }
}

describe('direct-upload quotas (real api + worker + Redis + local S3 server)', () => {
  let s3Stack: S3Stack;
  let s3: LocalS3;
  let stack: Stack;

  beforeAll(async () => {
    s3Stack = await S3Stack.start({
      workers: 1,
      env: {
        S3_PART_BYTES: String(5 * MiB),
        API_KEYS: 'alice:alice-key-0001,bob:bob-key-0001,carol:carol-key-0001',
        MAX_PENDING_TASKS_PER_CLIENT: '3',
        MAX_STORED_BYTES_PER_CLIENT: String(20 * MiB),
      },
    });
    ({ s3, stack } = s3Stack);
  });
  afterAll(() => s3Stack?.stop());

  const start = (size: number, client: string) =>
    http<Started>(`${stack.url}/even-sum/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...keyOf(client) },
      body: JSON.stringify({ size }),
    });
  const abort = (token: string, client: string) =>
    http(`${stack.url}/even-sum/uploads/${token}`, { method: 'DELETE', headers: keyOf(client) });

  it('counts each session against the pending cap until it is aborted', async () => {
    const before = await clientUsage(stack, 'alice');
    const sessions = [
      await start(100, 'alice'),
      await start(100, 'alice'),
      await start(100, 'alice'),
    ];
    expect(sessions.map((s) => s.status)).toEqual([201, 201, 201]);
    const fourth = await start(100, 'alice');
    expect(fourth.status).toBe(429);
    expect(fourth.body.error).toMatch(/MAX_PENDING_TASKS_PER_CLIENT/);
    expect(await clientUsage(stack, 'alice')).toEqual({
      ...before,
      bytes: before.bytes + 300,
      pending: before.pending + 3,
    });
    for (const s of sessions) expect((await abort(s.body.token, 'alice')).status).toBe(204);
    // Releasing twice changes nothing: the session is gone, the usage is back where it was.
    expect((await abort(sessions[0].body.token, 'alice')).status).toBe(404);
    expect(await clientUsage(stack, 'alice')).toEqual(before);
    expect(await s3.pendingUploads()).toEqual([]);
  });

  it('reserves each session`s declared size: sessions cannot together park more than the quota', async () => {
    const first = await start(8 * MiB, 'bob');
    const second = await start(8 * MiB, 'bob');
    expect([first.status, second.status]).toEqual([201, 201]);
    const third = await start(8 * MiB, 'bob');
    expect(third.status).toBe(429);
    expect(third.body.error).toMatch(/MAX_STORED_BYTES_PER_CLIENT/);
    await abort(first.body.token, 'bob');
    await abort(second.body.token, 'bob');
  });

  it('binds every part URL to its exact Content-Length; completing hands the reservation to the task', async () => {
    const before = await clientUsage(stack, 'carol');
    const size = 5 * MiB + 12;
    const started = await start(size, 'carol');
    expect(started.status).toBe(201);
    const lengths = [5 * MiB, 12];
    for (const [i, { url }] of started.body.parts.entries()) {
      expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
      const signature = new URL(url).searchParams.get('X-Amz-Signature');
      // The signature holds for this part's size only: S3 answers a PUT of any other size
      // SignatureDoesNotMatch. (s3rver does not check V4 signatures, so the check is done here.)
      expect(await signatureFor(s3, url, lengths[i])).toBe(signature);
      expect(await signatureFor(s3, url, lengths[i] + 1)).not.toBe(signature);
    }
    const data = Buffer.alloc(size, '2 ');
    const parts = await Promise.all(
      started.body.parts.map(async ({ partNumber, url }) => {
        const body = data.subarray(
          (partNumber - 1) * started.body.partSize,
          partNumber * started.body.partSize,
        );
        const res = await fetch(url, { method: 'PUT', body });
        expect(res.status).toBe(200);
        return { partNumber, etag: res.headers.get('etag')! };
      }),
    );
    // A body longer than the parts need is refused unread.
    const padded = await http(`${stack.url}/even-sum/uploads/${started.body.token}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...keyOf('carol') },
      body: JSON.stringify({ parts, padding: ' '.repeat(64 * 1024) }),
    });
    expect(padded.status).toBe(413);
    const done = await http<{ token: string }>(
      `${stack.url}/even-sum/uploads/${started.body.token}/complete`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...keyOf('carol') },
        body: JSON.stringify({ parts }),
      },
    );
    expect(done.status).toBe(201);
    expect(
      (await waitForTask(stack.url, 'even-sum', done.body.token, 60_000, keyOf('carol'))).status,
    ).toBe('finished');
    // The task keeps the bytes until it expires; its pending slot ended with it.
    expect(await clientUsage(stack, 'carol')).toEqual({ ...before, bytes: before.bytes + size });
  });
});
