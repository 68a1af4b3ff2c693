import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { http, waitForTask } from './support/http';
import { pollUntil } from './support/poll';
import { withRedis } from './support/faults';
import { Stack } from './support/stack';
import { upload } from './support/upload';

const MiB = 1024 * 1024;

describe('even-sum across two workers (real api + workers + Redis)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 2,
      env: { CHUNK_BYTES: String(4 * MiB), WORKER_CONCURRENCY: '2' },
    });
  });
  afterAll(() => stack?.stop());

  it('sums a ~100 MB streamed upload exactly, split into many chunks', async () => {
    const { stream, expected } = generateNumbers({
      bytes: 100 * 1000 * 1000,
      seed: 7,
      negative: true,
      maxDigits: 30,
    });
    const created = await upload(`${stack.url}/even-sum`, stream);
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const final = await waitForTask(stack.url, 'even-sum', token, 120_000);
    expect(final).toMatchObject({
      status: 'finished',
      progress: {
        bytesTotal: 100_000_000,
        bytesDone: 100_000_000,
        chunksTotal: 24,
        chunksDone: 24,
      },
    });
    const result = await http(`${stack.url}/even-sum/${token}/result`);
    const want = await expected;
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      sum: want.sum,
      evenCount: want.evenCount,
      count: want.count,
      bytes: 100_000_000,
    });
    // The chunks really spread: each worker scanned some of them.
    const scanned = await Promise.all(
      stack.workers.map(async (w) =>
        Number(
          /^even_sum_chunk_seconds_count (\d+)/m.exec(
            (await http(`${w.url}/metrics`)).bytes.toString(),
          )?.[1],
        ),
      ),
    );
    expect(scanned.every((n) => n >= 1)).toBe(true);
    expect(scanned.reduce((a, b) => a + b, 0)).toBe(24);
  });

  it('sums runs of hundreds of thousands of digits exactly, in one chunk and across chunks', async () => {
    // Sums of more than 64 Ki digits travel as bytes from the scan to Redis (outcome JSON and
    // record): the one-chunk finish writes them as they are, the fan-in reads them back as JSON.
    const digits = (n: number, last: string) => {
      let s = '';
      for (let k = 0; s.length < n - 1; k++) s += String((k * 7919) % 1000003);
      return `9${s.slice(0, n - 2)}${last}`;
    };
    const a = digits(300_000, '6');
    const b = digits(200_000, '4');
    const filler = '12 -40 7\n'.repeat(500_000); // 4.5 MB: b starts in the second chunk
    const files = [
      { body: `${a}\n`, sum: a, count: 1, evenCount: 1, chunks: 1 },
      {
        body: `-${a}\n${filler}${b}\n3\n`,
        sum: (BigInt(b) - BigInt(a) - 28n * 500_000n).toString(),
        count: 2 + 3 * 500_000 + 1,
        evenCount: 2 + 2 * 500_000,
        chunks: 2,
      },
    ];
    for (const file of files) {
      const created = await upload(`${stack.url}/even-sum`, Readable.from([file.body]));
      expect(created.status).toBe(201);
      const token = created.body.token as string;
      const final = await waitForTask(stack.url, 'even-sum', token, 120_000);
      expect(final).toMatchObject({ status: 'finished', progress: { chunksTotal: file.chunks } });
      const result = await http(`${stack.url}/even-sum/${token}/result`);
      // Booleans on the sum: a failing diff of 300,000 digits would flood the output.
      expect(result.body.sum === file.sum).toBe(true);
      expect(result.body).toMatchObject({ evenCount: file.evenCount, count: file.count });
    }
  });

  it('accepts curl -T (PUT, no Content-Type) and curl --data-binary (form type) bodies', async () => {
    const put = await upload(`${stack.url}/even-sum`, Readable.from(['2 4 -6\n']), {
      method: 'PUT',
      headers: { 'content-type': '' },
    });
    const form = await upload(`${stack.url}/even-sum`, Readable.from(['10,11,12']), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    for (const [reply, sum] of [
      [put, '0'],
      [form, '22'],
    ] as const) {
      expect(reply.status).toBe(201);
      await waitForTask(stack.url, 'even-sum', reply.body.token as string);
      expect((await http(`${stack.url}/even-sum/${reply.body.token}/result`)).body.sum).toBe(sum);
    }
  });

  it('sums an empty file to "0"', async () => {
    const reply = await upload(`${stack.url}/even-sum`, Readable.from([]), {
      headers: { 'content-length': 0 },
    });
    await waitForTask(stack.url, 'even-sum', reply.body.token as string);
    expect((await http(`${stack.url}/even-sum/${reply.body.token}/result`)).body).toEqual({
      sum: '0',
      evenCount: 0,
      count: 0,
      bytes: 0,
    });
  });

  it('ends a task errored naming the first bad token, its byte offset and line', async () => {
    const reply = await upload(`${stack.url}/even-sum`, Readable.from(['1 2 3\n4 x5 6\n']));
    const final = await waitForTask(stack.url, 'even-sum', reply.body.token as string);
    expect(final.status).toBe('errored');
    expect(final.error).toBe('invalid token "x5" at byte 8 (line 2)');
    const result = await http(`${stack.url}/even-sum/${reply.body.token}/result`);
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ message: 'not found', status: 'errored' });
  });

  it('rejects a multipart form with 400 naming the expected body', async () => {
    const reply = await upload(`${stack.url}/even-sum`, Readable.from(['x']), {
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/send the file as the raw body/);
  });
});

describe('even-sum upload limits and aborts', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0, env: { MAX_UPLOAD_BYTES: String(MiB) } });
  });
  afterAll(() => stack?.stop());

  const taskKeys = () => withRedis(stack, (redis) => redis.keys(`${stack.prefix}:task:*`));
  const storedFiles = () =>
    readdirSync(stack.dataDir, { recursive: true }).filter((f) => !String(f).startsWith('.probe'));

  it('answers 413 up front when Content-Length exceeds MAX_UPLOAD_BYTES', async () => {
    const reply = await upload(`${stack.url}/even-sum`, Readable.from([Buffer.alloc(10)]), {
      headers: { 'content-length': 2 * MiB },
    }).catch((err: Error) => ({ status: -1, body: { error: err.message } }));
    expect(reply.status).toBe(413);
    expect(reply.body.error).toMatch(/exceeds the limit of 1048576 bytes/);
  });

  it('answers 413 mid-stream when a chunked body passes the limit, and keeps nothing', async () => {
    const big = Readable.from(
      (function* () {
        for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, '2 ');
      })(),
    );
    const reply = await upload(`${stack.url}/even-sum`, big).catch((err: Error) => ({
      status: -1,
      body: { error: err.message },
    }));
    expect(reply.status).toBe(413);
    expect(await taskKeys()).toEqual([]);
    await pollUntil(
      async () => (storedFiles().length === 0 ? true : undefined),
      10_000,
      'the partial upload to be removed',
    );
  });

  it('leaves no file and no task behind when the client disconnects mid-upload', async () => {
    const req = request(`${stack.url}/even-sum`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(256 * 1024, '4 '));
    // Disconnect only once the upload is really being stored.
    await pollUntil(
      async () => (storedFiles().some((f) => String(f).endsWith('.part')) ? true : undefined),
      10_000,
      'the upload to start',
    );
    req.destroy();
    await pollUntil(
      async () => (storedFiles().length === 0 ? true : undefined),
      10_000,
      'the partial upload to be removed',
    );
    expect(await taskKeys()).toEqual([]);
  });
});
