import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  createWriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ExpectedEvenSum, generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { freePort } from '../scripts/redis-ensure';
import { runCli, spawnCli } from './support/cli';
import { blocksOf, decodePng, randomPng } from './support/images';
import { pollUntil } from './support/poll';
import { LocalS3 } from './support/s3-server';
import { S3Stack } from './support/s3-stack';
import { withRedis } from './support/faults';
import { Stack } from './support/stack';

const MiB = 1024 * 1024;
const API_KEY = 'cli-test-key-0123';
const TOKEN = /^[0-9a-f]{32}$/;

describe('tasks CLI (real api + worker + Redis)', () => {
  let stack: Stack;
  let dir: string;
  let numbers: string;
  let numbersSum: ExpectedEvenSum;
  /** The CLI pointed at the stack, with a valid key, through its environment variables. */
  const tasks = (...args: string[]) =>
    runCli(args, { TASKS_URL: stack.url, TASKS_API_KEY: API_KEY }, dir);

  beforeAll(async () => {
    // Small chunks, so a few-MB file is split and the processing bar has several steps.
    stack = await Stack.start({
      workers: 1,
      env: {
        API_KEYS: `cli-test:${API_KEY}`,
        CHUNK_BYTES: String(MiB),
        MAX_UPLOAD_BYTES: String(10 * MiB),
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'tasks-cli-'));
    numbers = join(dir, 'numbers.txt');
    const { stream, expected } = generateNumbers({
      bytes: 5_000_000,
      seed: 11,
      negative: true,
      maxDigits: 30,
    });
    await pipeline(stream, createWriteStream(numbers));
    numbersSum = await expected;
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('randomize writes a PNG of the input size made of the same blocks', async () => {
    const input = await randomPng(230, 170, 3, 5);
    writeFileSync(join(dir, 'cat.png'), input);
    const run = await tasks(
      'randomize',
      'cat.png',
      '-o',
      'out.png',
      '--block-size',
      '50',
      '--seed',
      '7',
    );
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^wrote out\.png/) });
    const [before, after] = await Promise.all([
      decodePng(input),
      decodePng(readFileSync(join(dir, 'out.png'))),
    ]);
    expect([after.width, after.height, after.channels]).toEqual([230, 170, 3]);
    expect(blocksOf(after, 50).sort()).toEqual(blocksOf(before, 50).sort());
  });

  it('even-sum prints the exact sum, and its upload and processing progress lines reach 100%', async () => {
    const run = await tasks('even-sum', 'numbers.txt');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${numbersSum.sum}\n`);
    // Not a terminal: plain lines, the last one of each phase at 100%.
    expect(run.stderr).toMatch(/^upload 100% \| 5\.00 MB in /m);
    expect(run.stderr).toMatch(/^process 100% \| 5\/5 chunks in /m);
    expect(run.stderr).not.toContain('\r');
  });

  it('even-sum --json prints the result object', async () => {
    const run = await tasks('--json', 'even-sum', 'numbers.txt');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      token: expect.stringMatching(TOKEN),
      ...numbersSum,
      bytes: 5_000_000,
    });
  });

  it('--no-wait prints only the token; status and result find the task by it', async () => {
    const submitted = await tasks('even-sum', '--no-wait', 'numbers.txt');
    expect(submitted.code).toBe(0);
    const token = submitted.stdout.trim();
    expect(submitted.stdout).toBe(`${token}\n`);
    expect(token).toMatch(TOKEN);

    const result = await tasks('result', token);
    expect(result).toMatchObject({ code: 0, stdout: `${numbersSum.sum}\n` });
    const status = await tasks('status', token);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      task: 'even-sum',
      token,
      status: 'finished',
      progress: { bytesDone: 5_000_000, bytesTotal: 5_000_000, chunksDone: 5, chunksTotal: 5 },
    });
  });

  it('result writes a randomize task PNG by token, and status --task reports it', async () => {
    writeFileSync(join(dir, 'small.png'), await randomPng(64, 48, 4, 9));
    const submitted = await tasks('randomize', 'small.png', '--no-wait', '--json');
    const { token } = JSON.parse(submitted.stdout) as { token: string };
    expect(token).toMatch(TOKEN);
    const result = await tasks('result', token, '-o', 'small-out.png');
    expect(result.code).toBe(0);
    const png = await decodePng(readFileSync(join(dir, 'small-out.png')));
    expect([png.width, png.height, png.channels]).toEqual([64, 48, 4]);
    const status = await tasks('--json', 'status', token, '--task', 'randomize');
    expect(JSON.parse(status.stdout)).toMatchObject({
      task: 'randomize',
      token,
      status: 'finished',
      executionMs: expect.any(Number),
    });
  });

  it('gen-numbers writes the requested size and prints the sum the service computes', async () => {
    const made = await tasks(
      'gen-numbers',
      '--size',
      '3MB',
      '--seed',
      '5',
      '--negative',
      'gen.txt',
    );
    expect(made.code).toBe(0);
    expect(statSync(join(dir, 'gen.txt')).size).toBe(3_000_000);
    expect(made.stdout).toMatch(/^-?\d+\n$/);
    const summed = await tasks('even-sum', 'gen.txt');
    expect(summed).toMatchObject({ code: 0, stdout: made.stdout });
  });

  it('exits 1 printing the task error when the task errors', async () => {
    writeFileSync(join(dir, 'bad.txt'), 'abc\n');
    const run = await tasks('even-sum', 'bad.txt');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: task [0-9a-f]{32} errored: invalid token "abc" at byte 0 \(line 1\)$/m,
    );
    expect(run.stdout).toBe('');
  });

  it("exits 1 printing the server's error verbatim with its status", async () => {
    writeFileSync(join(dir, 'not-a-png.png'), 'hello');
    const notPng = await tasks('randomize', 'not-a-png.png', '-o', 'x.png');
    expect(notPng.code).toBe(1);
    expect(notPng.stderr).toMatch(/^error: .*PNG.* \(HTTP 400\)$/m);

    writeFileSync(join(dir, 'too-big.txt'), '');
    truncateSync(join(dir, 'too-big.txt'), 11 * MiB);
    const tooBig = await tasks('even-sum', 'too-big.txt');
    expect(tooBig).toMatchObject({ code: 1, stdout: '' });
    expect(tooBig.stderr).toMatch(
      /^error: body of 11534336 bytes exceeds the limit of 10485760 bytes \(HTTP 413\)$/m,
    );

    const noKey = await runCli(['--url', stack.url, 'even-sum', numbers]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain(
      'error: API key required: send Authorization: Bearer <key> or X-API-Key: <key> (HTTP 401)',
    );
    const wrongKey = await runCli([
      '--url',
      stack.url,
      '--api-key',
      'not-the-key',
      'status',
      '0'.repeat(32),
    ]);
    expect(wrongKey).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error: API key not recognised (HTTP 401)'),
    });
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['randomize'],
      ['randomize', 'cat.png', '--seed', 'abc'],
      ['gen-numbers', 'x.txt'],
      ['even-sum', 'missing.txt'],
      ['status', 'x', '--task', 'resize'],
    ]) {
      const run = await tasks(...args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(/error|Usage/);
    }
  });

  it('exits 3 when the server is unreachable', async () => {
    const closed = await freePort();
    const run = await runCli(['--url', `http://127.0.0.1:${closed}`, 'even-sum', numbers]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `error: cannot reach the server at http://127.0.0.1:${closed} (ECONNREFUSED)\n`,
    );
  });

  it('falls back to streaming on a server without presigned uploads, and says so when they are demanded', async () => {
    const forced = await tasks('even-sum', '--upload', 'presigned', 'numbers.txt');
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(/^error: the server does not offer presigned uploads/m);
    // --upload auto (the default) is what every other even-sum test here goes through.
  });
});

describe('tasks CLI interrupted mid-upload', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
    dir = mkdtempSync(join(tmpdir(), 'tasks-cli-'));
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const storedFiles = () =>
    readdirSync(stack.dataDir, { recursive: true })
      .map(String)
      .filter((f) => !f.startsWith('.probe'));

  it('Ctrl-C aborts the upload: exit 130, and the server keeps no task and no file', async () => {
    // A sparse file: gigabytes to send, nothing written to the client's disk.
    const big = join(dir, 'big.txt');
    writeFileSync(big, '');
    truncateSync(big, 4000 * MiB);
    const cli = spawnCli(['--url', stack.url, 'even-sum', big]);
    // Interrupt only once the api is really storing the upload.
    await pollUntil(
      async () => (storedFiles().some((f) => f.endsWith('.part')) ? true : undefined),
      20_000,
      'the upload to start',
    );
    cli.proc.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/^interrupted: upload aborted: no task was created$/m);
    expect(run.stdout).toBe('');
    await pollUntil(
      async () => (storedFiles().length === 0 ? true : undefined),
      10_000,
      'the partial upload to be removed',
    );
    expect(await withRedis(stack, (redis) => redis.keys(`${stack.prefix}:task:*`))).toEqual([]);
  });
});

describe('tasks CLI against STORAGE=s3 (presigned multipart uploads, local S3 server)', () => {
  let s3Stack: S3Stack;
  let s3: LocalS3;
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    s3Stack = await S3Stack.start({
      workers: 1,
      env: { S3_PART_BYTES: String(5 * MiB), CHUNK_BYTES: String(4 * MiB) },
    });
    ({ s3, stack } = s3Stack);
    dir = mkdtempSync(join(tmpdir(), 'tasks-cli-s3-'));
  });
  afterAll(async () => {
    await s3Stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends the parts straight to storage and prints the exact sum', async () => {
    const file = join(dir, 'numbers.txt');
    const { stream, expected } = generateNumbers({
      bytes: 23_000_000,
      seed: 3,
      negative: true,
      maxDigits: 30,
    });
    await pipeline(stream, createWriteStream(file));

    const run = await runCli(['--url', stack.url, 'even-sum', file]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${(await expected).sum}\n`);
    expect(run.stderr).toMatch(/^submitted [0-9a-f]{32} \(sent straight to storage in 5 parts\)$/m);
    expect(run.stderr).toMatch(/^upload 100% \| 23\.0 MB in /m);
    expect(await s3.pendingUploads()).toEqual([]);
  });

  it('randomize -o fetches the PNG straight from the bucket through the redirect', async () => {
    const input = await randomPng(130, 70, 3, 5);
    writeFileSync(join(dir, 'in.png'), input);

    const run = await runCli(['--url', stack.url, 'randomize', 'in.png', '-o', 'out.png'], {}, dir);

    expect(run.code).toBe(0);
    expect(blocksOf(await decodePng(readFileSync(join(dir, 'out.png'))), 60).sort()).toEqual(
      blocksOf(await decodePng(input), 60).sort(),
    );
    // The api answered the result request with the redirect, not with the PNG.
    const resultReplies = stack.api
      .logs()
      .filter((line) =>
        /^\/randomize\/[0-9a-f]{32}\/result/.test(String((line.req as { url?: string })?.url)),
      )
      .map((line) => (line.res as { statusCode?: number })?.statusCode);
    expect(resultReplies).toEqual([302]);
  });

  it('Ctrl-C during the parts exits 130 and starts no task', async () => {
    const taskKeys = async () =>
      (await withRedis(stack, (redis) => redis.keys(`${stack.prefix}:task:*`))).sort();
    // The previous test's finished task is still there: no new one may appear.
    const before = await taskKeys();
    const big = join(dir, 'big.txt');
    writeFileSync(big, '');
    truncateSync(big, 2000 * MiB);
    const cli = spawnCli(['--url', stack.url, 'even-sum', big]);
    await pollUntil(
      async () => ((await s3.pendingUploads()).length > 0 ? true : undefined),
      20_000,
      'the multipart upload to start',
    );
    await pollUntil(
      async () => (/^upload \d+%/m.test(cli.stderr()) ? true : undefined),
      20_000,
      'the first part to be sent',
    );
    cli.proc.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(
      /^interrupted: upload aborted: no task was created \(the bucket drops the unfinished parts\)$/m,
    );
    expect(await taskKeys()).toEqual(before);
  });
});
