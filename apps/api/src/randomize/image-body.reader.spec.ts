import { HttpException, HttpStatus } from '@nestjs/common';
import type { Request } from 'express';
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { AppConfig } from '@app/tasks/config';
import { ImageBodyReader } from './image-body.reader';

/** A request body as a stream, with the headers and the response headers the reader looks at. */
class FakeRequest extends PassThrough {
  readonly res = {
    headersSent: false,
    headers: {} as Record<string, string>,
    setHeader(name: string, value: string) {
      this.headers[name.toLowerCase()] = value;
    },
  };
  constructor(readonly headers: Record<string, string> = {}) {
    super();
  }
  asRequest(): Request {
    return this as unknown as Request;
  }
}

const config = {
  maxImageBytes: 100,
  maxImageBytesInFlight: 250,
  maxImageBytesInFlightPerClient: 150,
  imageBodyTimeoutMs: 200,
} as AppConfig;

const statusOf = (err: unknown) => (err as HttpException).getStatus();
const errorOf = (err: unknown) => ((err as HttpException).getResponse() as { error: string }).error;

describe(ImageBodyReader.name, () => {
  let sut: ImageBodyReader;

  beforeEach(() => {
    sut = new ImageBodyReader(config, new Registry());
  });

  it('reserves a declared length before reading and keeps it until the use of the body settles', async () => {
    const req = new FakeRequest({ 'content-length': '80' });
    let during: unknown;
    const reading = sut.read(req.asRequest(), 'alice', async (body) => {
      during = sut.inFlight();
      return body.toString();
    });
    expect(sut.inFlight()).toEqual({ bytes: 80, clients: 1 });
    req.end(Buffer.alloc(80, 'x'));
    expect(await reading).toBe('x'.repeat(80));
    expect(during).toEqual({ bytes: 80, clients: 1 });
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });

  it('gives the bytes back when the use of the body fails', async () => {
    const req = new FakeRequest({ 'content-length': '3' });
    const reading = sut.read(req.asRequest(), 'alice', async () => {
      throw new Error('not a PNG');
    });
    req.end('abc');
    await expect(reading).rejects.toThrow('not a PNG');
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });

  it('gives the bytes back when the client aborts mid-body (400)', async () => {
    const req = new FakeRequest({ 'content-length': '50' });
    const reading = sut.read(req.asRequest(), 'alice', async () => 'used');
    req.write('12345');
    req.destroy();
    const err = await reading.catch((e: unknown) => e);
    expect(statusOf(err)).toBe(HttpStatus.BAD_REQUEST);
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });

  it('answers 408 naming IMAGE_BODY_TIMEOUT_MS when the body is not whole by the deadline, stops reading and closes', async () => {
    const req = new FakeRequest({ 'content-length': '50' });
    const reading = sut.read(req.asRequest(), 'alice', async () => 'used');
    req.write('12345');
    const err = await reading.catch((e: unknown) => e);
    expect(statusOf(err)).toBe(HttpStatus.REQUEST_TIMEOUT);
    expect(errorOf(err)).toMatch(/IMAGE_BODY_TIMEOUT_MS.*5 of 50 bytes received/);
    expect(req.res.headers.connection).toBe('close');
    expect(req.isPaused()).toBe(true);
    expect(req.listenerCount('data')).toBe(0);
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });

  it('refuses a declared length over MAX_IMAGE_BYTES with 413 before reserving anything', async () => {
    const req = new FakeRequest({ 'content-length': '101' });
    const err = await sut.read(req.asRequest(), 'alice', async () => 'used').catch((e) => e);
    expect(statusOf(err)).toBe(HttpStatus.PAYLOAD_TOO_LARGE);
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });

  it('answers 503 with Retry-After and Connection: close, reading nothing, when the process holds too many bytes', async () => {
    const held = [
      new FakeRequest({ 'content-length': '100' }),
      new FakeRequest({ 'content-length': '100' }),
    ];
    const reads = held.map((req, i) => sut.read(req.asRequest(), `c${i}`, async () => 'used'));
    const req = new FakeRequest({ 'content-length': '51' });
    const err = await sut.read(req.asRequest(), 'c2', async () => 'used').catch((e) => e);
    expect(statusOf(err)).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    expect(errorOf(err)).toContain('MAX_IMAGE_BYTES_IN_FLIGHT');
    expect(req.res.headers).toEqual({ connection: 'close', 'retry-after': '5' });
    expect(req.isPaused()).toBe(true);
    for (const r of held) r.end(Buffer.alloc(100));
    await Promise.all(reads);
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });

  it('counts a chunked body as it arrives and answers 429 naming the per-client setting once it passes', async () => {
    const first = new FakeRequest({ 'content-length': '100' });
    const firstRead = sut.read(first.asRequest(), 'alice', async () => 'used');
    const req = new FakeRequest({ 'transfer-encoding': 'chunked' });
    const reading = sut.read(req.asRequest(), 'alice', async () => 'used');
    req.write(Buffer.alloc(30));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sut.inFlight().bytes).toBe(130);
    req.write(Buffer.alloc(30));
    const err = await reading.catch((e: unknown) => e);
    expect(statusOf(err)).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(errorOf(err)).toContain('MAX_CLIENT_BYTES_IN_FLIGHT');
    expect(req.res.headers['retry-after']).toBe('5');
    expect(sut.inFlight().bytes).toBe(100);
    first.end(Buffer.alloc(100));
    await firstRead;
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });
});
