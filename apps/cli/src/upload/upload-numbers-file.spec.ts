import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../api';
import { ServerError } from '../exit-codes';
import { uploadParts } from './presigned-upload';
import { uploadNumbersFile } from './upload-numbers-file';

const MiB = 1024 * 1024;
const TOKEN = 'a'.repeat(32);

/**
 * A stand-in for the api in S3 mode and its bucket: POST /even-sum/uploads hands out part URLs,
 * PUT /bucket/<n> stores a part (failing as told), /complete records the ETags. In fs mode the
 * uploads route answers 404 and POST /even-sum takes the streamed body.
 */
class FakeService {
  readonly parts = new Map<number, Buffer>();
  readonly attempts = new Map<number, number>();
  readonly partAuthHeaders: (string | undefined)[] = [];
  completed?: unknown;
  streamed?: { body: Buffer; contentLength?: string; authorization?: string };
  inFlight = 0;
  maxInFlight = 0;
  /** Streamed uploads over this many bytes are refused (413) from their headers... */
  uploadLimit = Infinity;
  /** ...the first one by cutting the connection, as when the reply is lost in a reset. */
  refusals = 0;
  /** Status to answer for attempt `k` (from 1) of part `n`, or undefined for success. */
  failPart: (n: number, k: number) => number | undefined = () => undefined;
  private server!: Server;

  constructor(
    readonly mode: 's3' | 'fs',
    readonly partSize = MiB,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url === '/even-sum' && Number(req.headers['content-length']) > this.uploadLimit) {
      if (this.refusals++ === 0) return void req.socket.destroy();
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      return void res.end(
        JSON.stringify({ error: `body exceeds the limit of ${this.uploadLimit} bytes` }),
      );
    }
    const partMatch = /^\/bucket\/(\d+)/.exec(req.url ?? '');
    if (partMatch) this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const json = (status: number, value: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.method === 'POST' && req.url === '/even-sum/uploads') {
      if (this.mode === 'fs') return json(404, { error: 'Cannot POST /even-sum/uploads' });
      const { size } = JSON.parse(body.toString()) as { size: number };
      const count = Math.max(1, Math.ceil(size / this.partSize));
      const parts = Array.from({ length: count }, (_, i) => ({
        partNumber: i + 1,
        url: `${this.url}/bucket/${i + 1}?X-Amz-Signature=x`,
      }));
      return json(201, { token: TOKEN, partSize: this.partSize, parts });
    }
    if (req.method === 'POST' && req.url === `/even-sum/uploads/${TOKEN}/complete`) {
      this.completed = JSON.parse(body.toString());
      return json(201, { token: TOKEN });
    }
    if (req.method === 'POST' && req.url === '/even-sum') {
      this.streamed = {
        body,
        contentLength: req.headers['content-length'],
        authorization: req.headers.authorization,
      };
      return json(201, { token: 'b'.repeat(32) });
    }
    if (partMatch && req.method === 'PUT') {
      const n = Number(partMatch[1]);
      const attempt = (this.attempts.get(n) ?? 0) + 1;
      this.attempts.set(n, attempt);
      this.partAuthHeaders.push(req.headers.authorization);
      // Hold each part a moment, so parallel ones overlap.
      await new Promise((r) => setTimeout(r, 30));
      this.inFlight--;
      const failure = this.failPart(n, attempt);
      if (failure)
        return void res
          .writeHead(failure)
          .end(`<Error><Code>InternalError</Code><Message>try again</Message></Error>`);
      this.parts.set(n, body);
      return void res.writeHead(200, { etag: `"etag-${n}"` }).end();
    }
    json(404, { error: 'no such route' });
  }
}

describe(uploadNumbersFile.name, () => {
  let dir: string;
  let file: string;
  let content: Buffer;
  let fake: FakeService | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-upload-'));
    file = join(dir, 'numbers.txt');
    content = Buffer.alloc(3.5 * MiB);
    for (let i = 0; i < content.length; i++) content[i] = 48 + (i % 10);
    writeFileSync(file, content);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => fake?.stop());

  const clientOf = (service: FakeService) =>
    new ApiClient({ url: service.url, apiKey: 'secret-key', signal: new AbortController().signal });

  it('puts the parts in parallel to their presigned URLs, retries a failed one, and completes with the ETags', async () => {
    fake = await new FakeService('s3').start();
    fake.failPart = (n, attempt) => (n === 2 && attempt === 1 ? 500 : undefined);
    const progress: number[] = [];

    const sut = await uploadNumbersFile(clientOf(fake), file, content.length, {
      mode: 'auto',
      onProgress: (sent) => progress.push(sent),
    });

    expect(sut).toEqual({ token: TOKEN, via: 'presigned' });
    expect(fake.completed).toEqual({
      parts: [1, 2, 3, 4].map((n) => ({ partNumber: n, etag: `"etag-${n}"` })),
    });
    expect(Buffer.concat([1, 2, 3, 4].map((n) => fake!.parts.get(n)!)).equals(content)).toBe(true);
    expect(fake.attempts.get(2)).toBe(2);
    expect(fake.maxInFlight).toBeGreaterThan(1);
    // The API key goes to the api only, never to storage.
    expect(fake.partAuthHeaders.every((h) => h === undefined)).toBe(true);
    expect(progress[progress.length - 1]).toBe(content.length);
  });

  it('streams the file through the api when the server has no presigned uploads (404)', async () => {
    fake = await new FakeService('fs').start();

    const sut = await uploadNumbersFile(clientOf(fake), file, content.length, {
      mode: 'auto',
      onProgress: () => undefined,
    });

    expect(sut).toEqual({ token: 'b'.repeat(32), via: 'stream' });
    expect(fake.streamed?.contentLength).toBe(String(content.length));
    expect(fake.streamed?.authorization).toBe('Bearer secret-key');
    expect(fake.streamed?.body.equals(content)).toBe(true);
  });

  it('streams an empty file without asking for presigned parts (there are none to sign)', async () => {
    fake = await new FakeService('s3').start();
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');

    const sut = await uploadNumbersFile(clientOf(fake), empty, 0, {
      mode: 'auto',
      onProgress: () => undefined,
    });

    expect(sut.via).toBe('stream');
    expect(fake.streamed?.contentLength).toBe('0');
  });

  it("still reports the api's refusal when the connection reset swallowed its reply", async () => {
    fake = await new FakeService('fs').start();
    fake.uploadLimit = MiB;

    const sut = uploadNumbersFile(clientOf(fake), file, content.length, {
      mode: 'auto',
      onProgress: () => undefined,
    });

    await expect(sut).rejects.toThrow(
      new ServerError(`body exceeds the limit of ${MiB} bytes`, 413),
    );
    expect(fake.refusals).toBe(2);
  });

  it('refuses --upload presigned on a server without it', async () => {
    fake = await new FakeService('fs').start();

    const sut = uploadNumbersFile(clientOf(fake), file, content.length, {
      mode: 'presigned',
      onProgress: () => undefined,
    });

    await expect(sut).rejects.toThrow(/does not offer presigned uploads/);
  });
});

describe(uploadParts.name, () => {
  let dir: string;
  let file: string;
  let fake: FakeService | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-parts-'));
    file = join(dir, 'numbers.txt');
    writeFileSync(file, Buffer.alloc(2 * MiB + 5, '2'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => fake?.stop());

  const planOf = (service: FakeService) => ({
    token: TOKEN,
    partSize: MiB,
    parts: [1, 2, 3].map((n) => ({ partNumber: n, url: `${service.url}/bucket/${n}` })),
  });

  it('gives up on a part after 3 tries and takes its bytes back from the progress', async () => {
    fake = await new FakeService('s3').start();
    fake.failPart = (n) => (n === 3 ? 503 : undefined);
    let sent = 0;

    const sut = uploadParts(planOf(fake), {
      file,
      size: 2 * MiB + 5,
      signal: new AbortController().signal,
      onBytes: (d) => (sent += d),
      backoffMs: 1,
    });

    await expect(sut).rejects.toThrow(new ServerError('part 3: InternalError: try again', 503));
    expect(fake.attempts.get(3)).toBe(3);
    expect(sent).toBeLessThanOrEqual(2 * MiB);
  });

  it('does not retry a part that storage refuses (403: a bad or expired signature)', async () => {
    fake = await new FakeService('s3').start();
    fake.failPart = (n) => (n === 1 ? 403 : undefined);

    const sut = uploadParts(planOf(fake), {
      file,
      size: 2 * MiB + 5,
      signal: new AbortController().signal,
      onBytes: () => undefined,
      backoffMs: 1,
    });

    await expect(sut).rejects.toMatchObject({ status: 403 });
    expect(fake.attempts.get(1)).toBe(1);
  });

  it('rejects a plan whose parts do not cover the file', async () => {
    fake = await new FakeService('s3').start();
    const plan = { ...planOf(fake), parts: planOf(fake).parts.slice(0, 2) };

    await expect(
      uploadParts(plan, {
        file,
        size: 2 * MiB + 5,
        signal: new AbortController().signal,
        onBytes: () => undefined,
      }),
    ).rejects.toThrow(/has 2 parts for a file of 3 parts/);
  });
});
