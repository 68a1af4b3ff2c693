import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { runCli, spawnCli } from './support/cli';
import { pollUntil } from './support/poll';
import { S3CountingProxy } from './support/s3-proxy';
import { LocalS3 } from './support/s3-server';
import { S3Stack } from './support/s3-stack';
import { Stack } from './support/stack';

const MiB = 1024 * 1024;
const PARTS = [1, 2, 3, 4, 5, 6];

describe('tasks even-sum resumes a presigned upload without re-sending stored parts (local S3 behind a counting proxy)', () => {
  let s3Stack: S3Stack;
  let s3: LocalS3;
  let proxy: S3CountingProxy;
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    s3Stack = await S3Stack.start({
      proxy: true,
      workers: 1,
      env: { S3_PART_BYTES: String(5 * MiB), CHUNK_BYTES: String(4 * MiB) },
    });
    ({ s3, stack } = s3Stack);
    proxy = s3Stack.proxy!;
    dir = mkdtempSync(join(tmpdir(), 'tasks-cli-resume-'));
  });
  afterAll(async () => {
    await s3Stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    proxy.puts.length = 0;
    proxy.failPut = () => false;
  });

  /** A numbers file of 6 parts of 5 MiB (the last one shorter), with its exact sum. */
  async function numbersFile(name: string, seed: number) {
    const file = join(dir, name);
    const { stream, expected } = generateNumbers({
      bytes: 27 * MiB + 4321,
      seed,
      negative: true,
      maxDigits: 30,
    });
    await pipeline(stream, createWriteStream(file));
    return { file, sum: (await expected).sum };
  }

  /** Starts an upload of `file` whose parts 4-6 never get through, interrupts it once 1-3 are stored; its token. */
  async function interruptedAfterHalf(file: string): Promise<string> {
    proxy.failPut = (n) => n > 3;
    const cli = spawnCli(['--url', stack.url, 'even-sum', file]);
    await pollUntil(
      async () => (proxy.storedParts().length === 3 ? true : undefined),
      60_000,
      'parts 1-3 to be stored',
    );
    cli.proc.kill('SIGINT');
    const interrupted = await cli.done;
    expect(interrupted.code).toBe(130);
    const token = /^resume with: tasks even-sum --resume ([0-9a-f]{32}) /m.exec(
      interrupted.stderr,
    )?.[1];
    expect(token).toBeDefined();
    expect(await s3.pendingUploads()).toEqual([`${token}/input.txt`]);
    expect([...proxy.storedParts()].sort()).toEqual([1, 2, 3]);
    proxy.failPut = () => false;
    proxy.puts.length = 0;
    return token!;
  }

  it('comes back for the missing parts by itself when a part keeps failing on the network', async () => {
    const { file, sum } = await numbersFile('flaky.txt', 7);
    // Part 4's connection is cut on each of its first 3 tries: the CLI's per-part retries give up.
    let part4Tries = 0;
    proxy.failPut = (n) => n === 4 && ++part4Tries <= 3;

    const run = await runCli(['--url', stack.url, 'even-sum', file]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${sum}\n`);
    expect(run.stderr).toMatch(/resuming from the parts the bucket holds/);
    expect(part4Tries).toBe(4);
    expect([...proxy.storedParts()].sort((a, b) => a - b)).toEqual(PARTS);
    expect(await s3.pendingUploads()).toEqual([]);
  });

  it('--resume re-sends a stored part whose MD5 is not that of the file', async () => {
    const { file, sum } = await numbersFile('original.txt', 10);
    // The interrupted upload was of a file whose part 2 differs (blanks), with the same size.
    const altered = readFileSync(file);
    altered.fill(' ', 5 * MiB, 10 * MiB);
    const alteredFile = join(dir, 'altered.txt');
    writeFileSync(alteredFile, altered);
    const token = await interruptedAfterHalf(alteredFile);

    const resumed = await runCli(['--url', stack.url, 'even-sum', '--resume', token, file]);

    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe(`${sum}\n`);
    expect(proxy.storedParts().sort()).toEqual([2, 4, 5, 6]);
  });

  it('--resume <token> FILE after an interruption PUTs only the parts the bucket lacks', async () => {
    const { file, sum } = await numbersFile('resumed.txt', 8);
    const token = await interruptedAfterHalf(file);

    // A file of another size is refused before anything is sent; so is an unknown token.
    const shorter = join(dir, 'shorter.txt');
    await pipeline(
      generateNumbers({ bytes: 1000, seed: 1, negative: true, maxDigits: 30 }).stream,
      createWriteStream(shorter),
    );
    const wrongSize = await runCli(['--url', stack.url, 'even-sum', '--resume', token, shorter]);
    expect(wrongSize.code).toBe(2);
    expect(wrongSize.stderr).toMatch(
      /has 1000 bytes but upload [0-9a-f]{32} is of \d+: resume it with the same file/,
    );
    const unknown = await runCli([
      '--url',
      stack.url,
      'even-sum',
      '--resume',
      '0123456789abcdef0123456789abcdef',
      shorter,
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /no upload 0123456789abcdef0123456789abcdef to resume: upload not found/,
    );

    const resumed = await runCli(['--url', stack.url, 'even-sum', '--resume', token, file]);

    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe(`${sum}\n`);
    expect(proxy.forwardedParts().sort()).toEqual([4, 5, 6]);
    expect(proxy.storedParts().sort()).toEqual([4, 5, 6]);
    expect(await s3.pendingUploads()).toEqual([]);
  });
});
