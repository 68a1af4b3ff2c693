import { Readable } from 'node:stream';
import { request } from 'node:http';
import sharp from 'sharp';
import { http, waitForTask } from './support/http';
import { storedFiles } from './support/faults';
import { clientUsage, openUpload } from './support/open-upload';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';
import { upload } from './support/upload';

const MiB = 1024 * 1024;
const CLIENTS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina'];
const keyOf = (client: string): Record<string, string> => ({
  authorization: `Bearer ${client}-key-0001`,
});
const digits = (bytes: number) => Buffer.from('2 '.repeat(bytes / 2));

describe('per-client quotas that hold (real api + worker + Redis, STORAGE=fs)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 1,
      env: {
        API_KEYS: CLIENTS.map((c) => `${c}:${c}-key-0001`).join(','),
        MAX_STORED_BYTES_PER_CLIENT: String(10 * MiB),
        MAX_CONCURRENT_UPLOADS_PER_CLIENT: '4',
        RATE_LIMIT_PER_MINUTE: '12',
      },
    });
  });
  afterAll(() => stack?.stop());

  const inputsOnDisk = () => storedFiles(stack.dataDir).filter((f) => /input\.txt/.test(f));

  it('accepts only the concurrent streamed uploads that fit, refusing the rest with 429 before their bodies are stored', async () => {
    const headers = keyOf('alice');
    const before = await clientUsage(stack, 'alice');
    const size = 4 * MiB;
    // Four uploads at once, each declared 4 MiB with 1 MiB sent and the rest held back: 10 MiB
    // fit two of them. The other two are refused while the first two still hold their bodies:
    // the quota is reserved when an upload starts, not checked once it is stored.
    const uploads = [0, 1, 2, 3].map(() => {
      const u = openUpload(`${stack.url}/even-sum`, digits(MiB), { headers, contentLength: size });
      const tracked = { ...u, answered: false };
      void u.reply.then(() => (tracked.answered = true));
      return tracked;
    });
    await pollUntil(
      async () => (uploads.filter((u) => u.answered).length === 2 ? true : undefined),
      15_000,
      'two uploads refused while all four are open',
    );
    const refused = uploads.filter((u) => u.answered);
    const open = uploads.filter((u) => !u.answered);
    for (const u of refused) {
      const reply = await u.reply;
      expect(reply.status).toBe(429);
      expect(reply.body.error).toMatch(/MAX_STORED_BYTES_PER_CLIENT/);
      u.req.destroy();
    }
    for (const u of open) u.req.end(digits(size - MiB));
    const accepted = await Promise.all(open.map((u) => u.reply));
    expect(accepted.map((r) => r.status)).toEqual([201, 201]);
    // Nothing of the refused ones is on disk, and only the accepted files are counted.
    expect(
      inputsOnDisk().filter((f) => !accepted.some((r) => f.includes(String(r.body.token)))),
    ).toEqual([]);
    expect((await clientUsage(stack, 'alice')).bytes).toBe(before.bytes + 2 * size);
    expect((await clientUsage(stack, 'alice')).uploads).toBe(0);
  });

  it('answers 429 naming MAX_STORED_BYTES_PER_CLIENT when a chunked upload passes the quota, and keeps nothing of it', async () => {
    const headers = keyOf('bob');
    const before = await clientUsage(stack, 'bob');
    const inputsBefore = inputsOnDisk();
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 12; i++) yield digits(MiB);
      })(),
    );
    const reply = await upload(`${stack.url}/even-sum`, body, { headers });
    expect(reply.status).toBe(429);
    expect(reply.body.error).toMatch(/MAX_STORED_BYTES_PER_CLIENT/);
    expect(await clientUsage(stack, 'bob')).toEqual(before);
    await pollUntil(
      async () => (inputsOnDisk().length === inputsBefore.length ? true : undefined),
      10_000,
      'the partial blob removed',
    );
    expect(inputsOnDisk()).toEqual(inputsBefore);
    // Under the quota, the same client's chunked upload goes through.
    const small = await upload(`${stack.url}/even-sum`, Readable.from([digits(2 * MiB)]), {
      headers,
    });
    expect(small.status).toBe(201);
  });

  it('lets a client have at most MAX_CONCURRENT_UPLOADS_PER_CLIENT uploads open, and frees a slot when one is aborted', async () => {
    const headers = keyOf('carol');
    const before = await clientUsage(stack, 'carol');
    const open = [0, 1, 2, 3].map(() =>
      openUpload(`${stack.url}/even-sum`, digits(64 * 1024), { headers }),
    );
    await pollUntil(
      async () => ((await clientUsage(stack, 'carol')).uploads === 4 ? true : undefined),
      10_000,
      'four uploads open',
    );
    const third = await upload(`${stack.url}/even-sum`, Readable.from([digits(1024)]), { headers });
    expect(third.status).toBe(429);
    expect(third.body.error).toMatch(/MAX_CONCURRENT_UPLOADS_PER_CLIENT/);
    // Another client is not held up by carol's uploads.
    const other = await upload(`${stack.url}/even-sum`, Readable.from([digits(1024)]), {
      headers: keyOf('dave'),
    });
    expect(other.status).toBe(201);
    // The client gives up on all four: their slots, pending slots and bytes are all released.
    open.forEach((u) => u.req.destroy());
    await pollUntil(
      async () => {
        const now = await clientUsage(stack, 'carol');
        return now.uploads === before.uploads && now.bytes === before.bytes ? now : undefined;
      },
      10_000,
      'the aborted uploads released',
    );
    expect(await clientUsage(stack, 'carol')).toEqual(before);
    const again = await upload(`${stack.url}/even-sum`, Readable.from([digits(1024)]), { headers });
    expect(again.status).toBe(201);
  });

  it('gives a client one rate-limit budget across every submission route', async () => {
    const headers = keyOf('erin');
    const png = await sharp({
      create: { width: 8, height: 8, channels: 3, background: '#000' },
    })
      .png()
      .toBuffer();
    const routes = [
      () =>
        http(`${stack.url}/randomize`, {
          method: 'POST',
          headers: { 'content-type': 'image/png', ...headers },
          body: png,
        }),
      () => upload(`${stack.url}/even-sum`, Readable.from(['2 4\n']), { headers }),
      () => upload(`${stack.url}/even-sum`, Readable.from(['2 4\n']), { headers, method: 'PUT' }),
      // STORAGE=fs answers 409 here, but the request counts all the same.
      () =>
        http(`${stack.url}/even-sum/uploads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: '{"size":10}',
        }),
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await routes[i % routes.length]()).status);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    for (const route of routes) {
      const refused = await route();
      expect(refused.status).toBe(429);
      expect(String(refused.body.error)).toMatch(/RATE_LIMIT_PER_MINUTE/);
    }
  });

  it('counts a randomize result against the stored bytes: refuses an image whose result could pass the quota, and settles an accepted one to its real size', async () => {
    const headers = { 'content-type': 'image/png', ...keyOf('frank') };
    const before = await clientUsage(stack, 'frank');
    // A few KB of PNG that decodes to 2000×2000 RGB: its result may take 16 MB, over 10 MiB.
    const bomb = await sharp({
      create: { width: 2000, height: 2000, channels: 3, background: '#336699' },
    })
      .png()
      .toBuffer();
    expect(bomb.length).toBeLessThan(64 * 1024);
    const refused = await http(`${stack.url}/randomize`, { method: 'POST', headers, body: bomb });
    expect(refused.status).toBe(429);
    expect(String(refused.body.error)).toMatch(/MAX_STORED_BYTES_PER_CLIENT/);
    expect(await clientUsage(stack, 'frank')).toEqual(before);

    const fits = await sharp({
      create: { width: 1000, height: 1000, channels: 3, background: '#336699' },
    })
      .png()
      .toBuffer();
    const created = await http<{ token: string }>(`${stack.url}/randomize`, {
      method: 'POST',
      headers,
      body: fits,
    });
    expect(created.status).toBe(201);
    // Reserved at submission: input plus at least the raw RGBA pixels of the result.
    const reserved = (await clientUsage(stack, 'frank')).bytes - before.bytes;
    expect(reserved).toBeGreaterThan(fits.length + 4_000_000);
    const token = created.body.token;
    expect((await waitForTask(stack.url, 'randomize', token, 60_000, keyOf('frank'))).status).toBe(
      'finished',
    );
    const result = await http(`${stack.url}/randomize/${token}/result`, {
      headers: keyOf('frank'),
    });
    expect(result.status).toBe(200);
    expect(await clientUsage(stack, 'frank')).toEqual({
      ...before,
      bytes: before.bytes + fits.length + result.bytes.length,
    });
  });

  it('answers the direct-upload complete route 409 in fs mode before reading its body', async () => {
    const reply = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.url}/even-sum/uploads/${'a'.repeat(32)}/complete`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': 100 * MiB,
          ...keyOf('gina'),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{"parts":[');
    });
    expect(reply).toBe(409);
  });
});
