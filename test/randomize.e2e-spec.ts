import { blocksOf, decodePng, randomPng, remaindersOf } from './support/images';
import { http, waitForTask } from './support/http';
import sharp from 'sharp';
import { readPngChunks, readPngHeader } from '@app/tasks/randomize';
import { expectShuffled, withRedis } from './support/faults';
import { Stack } from './support/stack';

const png = (body: Buffer, query = '') => ({
  method: 'POST',
  headers: { 'content-type': 'image/png' },
  body,
  query,
});

describe('randomize (real api + worker + Redis)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 1,
      env: { MAX_IMAGE_BYTES: String(2 * 1024 * 1024), MAX_IMAGE_PIXELS: String(2000 * 2000) },
    });
  });
  afterAll(() => stack?.stop());

  const submit = (body: Buffer, query = '', type = 'image/png') =>
    http<{ token?: string; error?: string }>(`${stack.url}/randomize${query}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });

  it('runs the old curl session: 201 {token}, status to finished, result a shuffled PNG of the same size', async () => {
    const input = await randomPng(250, 130, 4);
    const created = await submit(input);
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['token']);
    expect(created.body.token).toMatch(/^[0-9a-f]{32}$/);

    const token = created.body.token!;
    const final = await waitForTask(stack.url, 'randomize', token);
    expect(final.status).toBe('finished');
    expect(Date.parse(final.requestedAt as string)).toBeLessThanOrEqual(
      Date.parse(final.finishedAt as string),
    );

    const result = await http(`${stack.url}/randomize/${token}/result`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('image/png');
    const before = await decodePng(input);
    const after = await decodePng(result.bytes);
    expect([after.width, after.height, after.channels]).toEqual([250, 130, 4]);
    expect(blocksOf(after, 60).sort()).toEqual(blocksOf(before, 60).sort());
    expect(blocksOf(after, 60)).not.toEqual(blocksOf(before, 60));
    expect(remaindersOf(after, 60)).toBe(remaindersOf(before, 60));
  });

  it('gives the same output for the same seed, and honours blockSize', async () => {
    const input = await randomPng(96, 64, 3, 9);
    const outputs: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const { body } = await submit(input, '?seed=1234&blockSize=16');
      await waitForTask(stack.url, 'randomize', body.token!);
      outputs.push((await http(`${stack.url}/randomize/${body.token}/result`)).bytes);
    }
    const [a, b] = await Promise.all(outputs.map(decodePng));
    expect(a.data.equals(b.data)).toBe(true);
    expect(blocksOf(a, 16).sort()).toEqual(blocksOf(await decodePng(input), 16).sort());
  });

  it('returns an interlaced 4-bit indexed PNG with transparency in the same format and palette, its blocks permuted', async () => {
    const rgba = Buffer.from(
      Array.from({ length: 250 * 130 * 4 }, (_, i) => (i * 2654435761) >>> 24),
    );
    const input = await sharp(rgba, { raw: { width: 250, height: 130, channels: 4 } })
      .png({ palette: true, colours: 16, dither: 0, progressive: true })
      .toBuffer();
    expect(readPngHeader(input)).toMatchObject({ colorType: 3, bitDepth: 4, interlaced: true });
    const { body } = await submit(input, '?seed=5');
    const final = await waitForTask(stack.url, 'randomize', body.token!);
    expect(final.status).toBe('finished');
    const output = (await http(`${stack.url}/randomize/${body.token}/result`)).bytes;
    expect(readPngHeader(output)).toEqual(readPngHeader(input));
    expect(readPngChunks(output).get('PLTE')).toEqual(readPngChunks(input).get('PLTE'));
    expect(readPngChunks(output).get('tRNS')).toEqual(readPngChunks(input).get('tRNS'));
    await expectShuffled(input, output);
    expect(remaindersOf(await decodePng(output), 60)).toBe(
      remaindersOf(await decodePng(input), 60),
    );
  });

  it.each([
    [
      'another content type',
      () => submit(Buffer.from('hello'), '', 'text/plain'),
      /Content-Type must be image\/png/,
    ],
    ['an empty body', () => submit(Buffer.alloc(0)), /body is empty/],
    ['bytes that are not a PNG', () => submit(Buffer.from('x'.repeat(100))), /not a PNG/],
    [
      'a bad blockSize',
      () => submit(Buffer.from('x'), '?blockSize=7'),
      /blockSize must be between 8 and 1024/,
    ],
    ['a non-integer seed', () => submit(Buffer.from('x'), '?seed=abc'), /seed must be an integer/],
  ])('answers 400 {error} for %s', async (_what, send, message) => {
    const reply = await send();
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(message);
  });

  it('refuses a decompression bomb (tiny PNG declaring 30000x30000) with 400', async () => {
    const bomb = Buffer.from(await randomPng(8, 8));
    bomb.writeUInt32BE(30000, 16);
    bomb.writeUInt32BE(30000, 20);
    const reply = await submit(bomb);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/exceeds the limit of 4000000 pixels/);
  });

  it('answers 413 {error} over MAX_IMAGE_BYTES', async () => {
    const reply = await submit(Buffer.alloc(2 * 1024 * 1024 + 1));
    expect(reply.status).toBe(413);
    expect(reply.body.error).toMatch(/exceeds the limit of 2097152 bytes/);
  });

  it.each([
    '0123456789abcdef0123456789abcdef',
    'not-a-token',
    'ABCDEF0123456789ABCDEF0123456789',
    '..%2F..%2Fetc%2Fpasswd',
  ])('answers 404 {error} for the unknown or malformed token %s', async (token) => {
    for (const path of ['status', 'result']) {
      const reply = await http(`${stack.url}/randomize/${token}/${path}`);
      expect(reply.status).toBe(404);
      expect(reply.body.error ?? reply.body.message).toBeTruthy();
    }
  });

  it('ends a task errored, with its reason, when the PNG header is fine but the data is corrupt', async () => {
    const good = await randomPng(64, 64);
    const corrupt = Buffer.concat([good.subarray(0, 33), Buffer.alloc(200, 7)]);
    const { status, body } = await submit(corrupt);
    expect(status).toBe(201);
    const final = await waitForTask(stack.url, 'randomize', body.token!);
    expect(final.status).toBe('errored');
    expect(final.error).toMatch(/cannot decode PNG/);
    const result = await http(`${stack.url}/randomize/${body.token}/result`);
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ message: 'not found', status: 'errored' });
  });

  it('keeps images out of Redis: after 30 tasks no key under the prefix holds more than a few KiB', async () => {
    const png = await randomPng(400, 300, 4, 3);
    expect(png.length).toBeGreaterThan(100_000);
    const tokens = await Promise.all(
      Array.from({ length: 30 }, async () => (await submit(png)).body.token!),
    );
    await Promise.all(tokens.map((t) => waitForTask(stack.url, 'randomize', t)));
    const sizes = await withRedis(stack, async (redis) => {
      const keys = await redis.keys(`${stack.prefix}:*`);
      expect(keys.length).toBeGreaterThan(30);
      return Promise.all(
        keys.map(async (k) => [k, Number(await redis.call('MEMORY', 'USAGE', k))] as const),
      );
    });
    const biggest = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(biggest[1]).toBeLessThan(8 * 1024);
  });

  it('serves health on both processes and documents every route at /docs-json', async () => {
    for (const base of [stack.url, stack.workers[0].url]) {
      expect((await http(`${base}/health/live`)).status).toBe(200);
      const ready = await http(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        details: { redis: { status: 'up' }, storage: { status: 'up' } },
      });
    }
    const docs = await http<{ paths: Record<string, unknown> }>(`${stack.url}/docs-json`);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/randomize',
        '/randomize/{token}/status',
        '/randomize/{token}/result',
        '/even-sum',
        '/even-sum/{token}/status',
        '/even-sum/{token}/result',
        '/health/ready',
      ]),
    );
    const ui = await http(`${stack.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.bytes.toString()).toContain('swagger-ui');
  });
});

describe('randomize without a worker running', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(() => stack?.stop());

  it('stays requested with result 404 {message:"not found"} until a worker takes it, then finishes', async () => {
    const { body } = await http<{ token: string }>(
      `${stack.url}/randomize`,
      png(await randomPng(120, 120)),
    );
    const status = await http(`${stack.url}/randomize/${body.token}/status`);
    expect(status.status).toBe(200);
    expect(status.body.status).toBe('requested');
    const result = await http(`${stack.url}/randomize/${body.token}/result`);
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ message: 'not found', status: 'requested' });

    await stack.startWorker();
    const final = await waitForTask(stack.url, 'randomize', body.token);
    expect(final.status).toBe('finished');
    expect((await http(`${stack.url}/randomize/${body.token}/result`)).status).toBe(200);
  });
});
