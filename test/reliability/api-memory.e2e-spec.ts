import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { FsBlobStore } from '@app/tasks/storage';
import { resultKeyOf } from '../support/faults';
import { readRss } from '../../scripts/bench/rss-sampler';
import { http, waitForTask } from '../support/http';
import { randomPng } from '../support/images';
import { pollUntil } from '../support/poll';
import { Stack } from '../support/stack';

const MiB = 1024 * 1024;
const IMAGE_BYTES = 20 * MiB;
const SENT_BYTES = 19 * MiB;
const CLIENTS = 10;
const CONNECTIONS = 50;
// Short for the test: until it fires only the byte caps (defaults) bound the api's memory.
const BODY_TIMEOUT_MS = 10_000;
const DEFAULT_IN_FLIGHT = 128 * MiB;
const keyOf = (i: number) => `key-of-client-${i}`;

/** Samples the VmRSS of a process every 100 ms; `max()` is the largest seen so far. */
function sampleRss(pid: number): { max: () => number; stop: () => void } {
  let max = readRss(pid);
  const timer = setInterval(() => (max = Math.max(max, readRss(pid))), 100);
  return { max: () => Math.max(max, readRss(pid)), stop: () => clearInterval(timer) };
}

/** The api's gauges of image body bytes and clients in flight. */
async function inFlight(stack: Stack): Promise<{ bytes: number; clients: number }> {
  const text = (await http(`${stack.url}/metrics`)).bytes.toString();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return {
    bytes: gauge('image_body_bytes_in_flight'),
    clients: gauge('image_body_clients_in_flight'),
  };
}

interface Outcome {
  /** The answer's status, undefined when the connection was cut without one. */
  status?: number;
  body: string;
  /** Bytes of the body written to the socket before the answer (or the cut). */
  written: number;
  /** When the last of the 19 MiB was handed to the socket (0 if never). */
  sentAt: number;
  closedAt: number;
}

/**
 * A raw-socket client that announces a PNG of `length` bytes (20 MiB), sends all but its last MiB
 * as fast as the api takes it, then one byte every 2 s (which an idle timeout never notices), until
 * it is answered or cut.
 */
function trickle(
  port: number,
  client: number,
  length = IMAGE_BYTES,
): { socket: Socket; outcome: Promise<Outcome> } {
  const socket = connect(port, '127.0.0.1');
  const piece = Buffer.alloc(MiB);
  const outcome: Outcome = { body: '', written: 0, sentAt: 0, closedAt: 0 };
  const received: Buffer[] = [];
  let timer: NodeJS.Timeout | undefined;
  let open = true;
  let wake: (() => void) | undefined;
  socket.on('error', () => undefined);
  socket.on('data', (data: Buffer) => received.push(data));
  socket.on('drain', () => wake?.());
  const done = new Promise<Outcome>((resolve) =>
    socket.once('close', () => {
      open = false;
      clearInterval(timer);
      wake?.();
      const text = Buffer.concat(received).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({
        ...outcome,
        status: status ? Number(status) : undefined,
        body: text.slice(text.indexOf('\r\n\r\n') + 4),
        closedAt: Date.now(),
      });
    }),
  );
  const answered = () => !open || received.length > 0;
  const write = (data: Buffer) =>
    new Promise<void>((resolve) => {
      if (answered()) return resolve();
      outcome.written += data.length;
      if (socket.write(data)) resolve();
      else wake = resolve;
    });
  socket.once('connect', async () => {
    socket.write(
      `POST /randomize HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${keyOf(client)}\r\n` +
        `Content-Type: image/png\r\nContent-Length: ${length}\r\n\r\n`,
    );
    while (outcome.written < length - MiB && !answered()) await write(piece);
    if (answered()) return;
    outcome.sentAt = Date.now();
    timer = setInterval(() => void write(piece.subarray(0, 1)), 2000);
  });
  return { socket, outcome: done };
}

describe('api memory under trickling image uploads (real api)', () => {
  let stack: Stack;

  beforeAll(async () => {
    const apiKeys = Array.from({ length: CLIENTS }, (_, i) => `c${i}:${keyOf(i)}`).join(',');
    stack = await Stack.start({
      workers: 0,
      env: { API_KEYS: apiKeys, IMAGE_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS), LOG_LEVEL: 'warn' },
    });
  });
  afterAll(() => stack?.stop());

  it('keeps the api under 300 MiB while 50 connections send 19 of 20 MiB and trickle, answers them all within a minute, and gives every byte back', async () => {
    const port = Number(new URL(stack.url).port);
    const rss = sampleRss(stack.api.proc.pid!);
    const started = Date.now();
    const clients: ReturnType<typeof trickle>[] = [];
    try {
      // Client 0 first, one connection at a time: its first three fill its 64 MiB share, so its
      // fourth is refused for the client's share (429) while the process still has room.
      for (let i = 0; i < 4; i++) {
        clients.push(trickle(port, 0));
        await pollUntil(
          async () =>
            (await inFlight(stack)).bytes >= Math.min(i + 1, 3) * IMAGE_BYTES ? true : undefined,
          10_000,
          `client 0's connection ${i + 1} to be counted`,
        );
      }
      // Then everyone else at once: three more fill the process's 128 MiB, the rest are refused.
      for (let i = 4; i < CONNECTIONS; i++) clients.push(trickle(port, 1 + (i % (CLIENTS - 1))));
      let ended = 0;
      for (const c of clients) void c.outcome.then(() => ended++);
      await pollUntil(
        async () => (ended === CONNECTIONS ? true : undefined),
        60_000 - (Date.now() - started),
        'every trickling upload to be answered or cut within a minute',
      );
      const outcomes = await Promise.all(clients.map((c) => c.outcome));
      const lastClosed = Math.max(...outcomes.map((o) => o.closedAt));
      const maxRss = rss.max();
      const statuses = outcomes.map((o) => o.status ?? 'cut');
      const count = (s: number | string) => statuses.filter((x) => x === s).length;
      console.log(
        `${CONNECTIONS} trickling uploads: answered/cut within ${((lastClosed - started) / 1000).toFixed(1)} s; ` +
          `statuses ${JSON.stringify(Object.fromEntries([408, 429, 503, 'cut'].map((s) => [s, count(s)])))}; ` +
          `api max RSS ${(maxRss / MiB).toFixed(0)} MiB`,
      );

      expect(maxRss).toBeLessThan(300 * MiB);
      expect(lastClosed - started).toBeLessThan(60_000);
      expect(statuses.every((s) => [408, 429, 503, 'cut'].includes(s))).toBe(true);
      // The admitted ones: as many as the process-wide cap holds, each refused only at its deadline
      // after the whole 19 MiB had arrived, so for ~10 s the cap alone kept the memory bounded.
      const timedOut = outcomes.filter((o) => o.status === 408);
      expect(timedOut.length).toBe(Math.floor(DEFAULT_IN_FLIGHT / IMAGE_BYTES));
      for (const o of timedOut) {
        expect(JSON.parse(o.body)).toEqual({
          error: expect.stringContaining('(IMAGE_BODY_TIMEOUT_MS)'),
        });
        expect(Number(/: (\d+) of/.exec(o.body)?.[1])).toBeGreaterThanOrEqual(SENT_BYTES);
      }
      const firstAnswer = Math.min(...timedOut.map((o) => o.closedAt));
      expect(Math.max(...timedOut.map((o) => o.sentAt))).toBeLessThan(firstAnswer);
      // Client 0's fourth: its own share was full.
      expect(outcomes[3].status).toBe(429);
      expect(JSON.parse(outcomes[3].body)).toEqual({
        error: expect.stringContaining('MAX_CLIENT_BYTES_IN_FLIGHT'),
      });
      // Everyone else beyond the cap: refused at once, long before sending much.
      const refused = outcomes.filter((o) => o.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const o of refused) {
        expect(JSON.parse(o.body)).toEqual({
          error: expect.stringContaining('(MAX_IMAGE_BYTES_IN_FLIGHT)'),
        });
        expect(o.body).not.toContain('MAX_CLIENT_BYTES_IN_FLIGHT');
      }
      expect(outcomes.filter((o) => o.status !== 408).every((o) => o.sentAt === 0)).toBe(true);
    } finally {
      rss.stop();
      for (const c of clients) c.socket.destroy();
    }

    // Every reservation was given back, and a normal submission goes through.
    expect(await inFlight(stack)).toEqual({ bytes: 0, clients: 0 });
    const png = await http(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', authorization: `Bearer ${keyOf(0)}` },
      body: await randomPng(64, 48),
    });
    expect(png.status).toBe(201);
    expect(await inFlight(stack)).toEqual({ bytes: 0, clients: 0 });
  });

  it('answers 503 with Retry-After and Connection: close when the process cap is full', async () => {
    const port = Number(new URL(stack.url).port);
    // Six maximal images and one of 8 MiB fill the 128 MiB to the byte.
    const holders = [
      ...Array.from({ length: 6 }, (_, i) => trickle(port, 1 + i)),
      trickle(port, 7, DEFAULT_IN_FLIGHT - 6 * IMAGE_BYTES),
    ];
    try {
      await pollUntil(
        async () => ((await inFlight(stack)).bytes === DEFAULT_IN_FLIGHT ? true : undefined),
        10_000,
        'the admitted uploads to fill the cap',
      );
      const reply = await http(`${stack.url}/randomize`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', authorization: `Bearer ${keyOf(9)}` },
        body: await randomPng(64, 48),
      });
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('5');
      expect(reply.headers.get('connection')).toBe('close');
      expect(reply.body).toEqual({ error: expect.stringContaining('MAX_IMAGE_BYTES_IN_FLIGHT') });
    } finally {
      for (const h of holders) h.socket.destroy();
    }
    await pollUntil(
      async () => ((await inFlight(stack)).bytes === 0 ? true : undefined),
      10_000,
      'aborted uploads to give their bytes back',
    );
    expect(await inFlight(stack)).toEqual({ bytes: 0, clients: 0 });
  });
});

describe('api memory under slow readers of a big result (real api + worker)', () => {
  const RESULT_BYTES = 40_000_000;
  const READERS = 20;
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, env: { LOG_LEVEL: 'warn' } });
  });
  afterAll(() => stack?.stop());

  it('streams a 40 MB result to 20 paused readers adding less than 64 MiB to the api', async () => {
    // A finished task whose result is then replaced by 40 MB of noise through the blob store: the
    // route serves bytes and does not look at them, and a real 40 MB PNG would cost the worker
    // many CPU-seconds of encoding (and a 40 MB input, over MAX_IMAGE_BYTES) for the same test.
    const submitted = await http(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await randomPng(64, 48),
    });
    const token = submitted.body.token as string;
    expect((await waitForTask(stack.url, 'randomize', token)).status).toBe('finished');
    const result = randomBytes(RESULT_BYTES);
    await new FsBlobStore(stack.dataDir).putBuffer(await resultKeyOf(stack, token), result);

    // One ordinary reader gets it whole, with its length announced.
    const whole = await http(`${stack.url}/randomize/${token}/result`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(RESULT_BYTES));
    expect(whole.bytes.equals(result)).toBe(true);

    const pid = stack.api.proc.pid!;
    const before = readRss(pid);
    const rss = sampleRss(pid);
    const readers: Socket[] = [];
    const nudges: NodeJS.Timeout[] = [];
    let reads = 0;
    try {
      const heads = Array.from({ length: READERS }, () => {
        const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
        readers.push(socket);
        socket.on('error', () => undefined);
        socket.write(`GET /randomize/${token}/result HTTP/1.1\r\nHost: api\r\n\r\n`);
        return new Promise<string>((resolve) =>
          socket.once('data', (data: Buffer) => {
            // Then a few KiB now and then: one read every 300 ms, paused in between.
            socket.pause();
            socket.on('data', () => {
              reads++;
              socket.pause();
            });
            nudges.push(setInterval(() => socket.resume(), 300));
            resolve(data.toString('latin1'));
          }),
        );
      });
      for (const head of await Promise.all(heads)) {
        expect(head).toMatch(/^HTTP\/1\.1 200/);
        expect(head).toContain(`Content-Length: ${RESULT_BYTES}\r\n`);
      }
      // Twenty reads each (~6 s): long after a whole read per reader would have shown.
      await pollUntil(
        async () => (reads >= READERS * 20 ? true : undefined),
        60_000,
        'the slow readers to read 20 times each',
      );
    } finally {
      rss.stop();
      for (const nudge of nudges) clearInterval(nudge);
      for (const socket of readers) socket.destroy();
    }
    const added = rss.max() - before;
    console.log(
      `${READERS} slow readers of a 40 MB result: api RSS ${(before / MiB).toFixed(0)} → max ${(rss.max() / MiB).toFixed(0)} MiB (+${(added / MiB).toFixed(0)} MiB)`,
    );
    expect(added).toBeLessThan(64 * MiB);
    // The api is unharmed: the result is still served whole.
    expect((await http(`${stack.url}/randomize/${token}/result`)).bytes.length).toBe(RESULT_BYTES);
  });

  it('answers 404 {error} for a finished task whose result blob is gone', async () => {
    const submitted = await http(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await randomPng(64, 48),
    });
    const token = submitted.body.token as string;
    await waitForTask(stack.url, 'randomize', token);
    await new FsBlobStore(stack.dataDir).deletePrefix(`${token}/`);
    const reply = await http(`${stack.url}/randomize/${token}/result`);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'result is missing from storage (expired or deleted)' });
  });
});
