/**
 * A stored file's scan against the plain C loop, in one run: npm run bench:scan -- [--size 1GB] [--rounds 3] [--keep] [--before tmp/dist-before]
 *
 * Each round, interleaved (the machine is shared: only ratios within a round mean much):
 *   C      the C reference loop over the file, one core (compiled here with cc -O2);
 *   scan   the scanner in this thread over the file's first 256 MB, in memory (per core);
 *   pool   the worker's paths without Redis: chunks of CHUNK_BYTES (64 MiB), two at a time, on a
 *          ScanPool of 2 threads; "streamed" as an S3 object is (the fs store's readRange stream,
 *          parts handed to the threads), "file reads" as an fs blob is (each thread reads its part);
 *   service  api + one worker from dist/ (STORAGE=fs, defaults): the file uploaded with the worker
 *          frozen (SIGSTOP: nothing is scanned while it arrives, as for a presigned upload), then
 *          the processing time = the task's finishedAt − the worker's thaw (SIGCONT); with
 *          `--before DIR`, the same again on that build (e.g. tmp/dist-before) in each round.
 * Prints MB/s, the ratio to the same round's C loop, and the load average at each figure; and
 * "scan, per CPU second": both loops' bytes per CPU second (C timed by /usr/bin/time), the per-core
 * comparison that holds up when other processes take turns on the cores.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, linkSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream, existsSync } from 'node:fs';
import {
  combineChunkResults,
  planChunks,
  ScanPool,
  scanRange,
  scanStoredRange,
} from '@app/tasks/even-sum';
import { FsBlobStore } from '@app/tasks/storage';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { parseSize } from '../apps/cli/src/numbers/parse-size';
import { scanBuffer } from '../test/support/scan-buffer';
import { http, waitForTask } from '../test/support/http';
import { Stack } from '../test/support/stack';
import { upload } from '../test/support/upload';
import { arg, machineLine, runConcurrently } from './bench/bench-util';
import { compileCReference, runCReference } from './bench/c-reference';

interface Total {
  sum: string | Buffer;
  evenCount: number;
  count: number;
  error?: string;
}

const load = (): string => loadavg()[0].toFixed(1);
const same = (a: Total, b: Total): boolean =>
  String(a.sum) === String(b.sum) &&
  a.evenCount === b.evenCount &&
  a.count === b.count &&
  !a.error &&
  !b.error;

async function main(): Promise<void> {
  const size = parseSize(arg('size', '1GB'));
  const rounds = Math.max(1, Number(arg('rounds', '3')));
  const chunkBytes = 64 << 20;
  const dir = join(__dirname, '..', 'tmp', 'bench-scan');
  const token = randomUUID().replace(/-/g, '');
  mkdirSync(join(dir, token), { recursive: true });
  const file = join(dir, `numbers-${size}.txt`);
  if (!existsSync(file) || statSync(file).size !== size) {
    process.stderr.write(`generating ${size} bytes into ${file}\n`);
    const { stream } = generateNumbers({ bytes: size, seed: 2026 });
    await pipeline(stream, createWriteStream(file));
  }
  // The fs blob store reads <dir>/<token>/<name>: a hard link puts the file there.
  linkSync(file, join(dir, token, 'input.txt'));
  const blobs = new FsBlobStore(dir);
  const key = `${token}/input.txt`;
  const c = compileCReference(dir);
  const inMemory = readFileSync(file).subarray(0, Math.min(size, 256e6));
  const want = runCReference(c, file).result;
  const wantMemory = scanBuffer(inMemory);
  const pool = new ScanPool(2);
  const stack = await Stack.start({
    workers: 1,
    env: { LOG_LEVEL: 'warn', MAX_UPLOAD_BYTES: String(size + 1) },
  });
  // --before DIR: the same service row on an earlier build (e.g. tmp/dist-before), in each round.
  const before = arg('before', '');
  const stackBefore = before
    ? await Stack.start({
        workers: 1,
        dist: resolve(before),
        env: { LOG_LEVEL: 'warn', MAX_UPLOAD_BYTES: String(size + 1) },
      })
    : undefined;

  console.log(machineLine());
  console.log(`\nfile ${(size / 1e9).toFixed(2)} GB, ${want.count} integers; ${rounds} rounds\n`);
  console.log('| round | stage | MB/s | × C loop | load (1 min) | exact |');
  console.log('| ---: | --- | ---: | ---: | ---: | --- |');
  const ratios: Record<string, number[]> = {
    scan: [],
    'scan, per CPU second': [],
    'pool, streamed': [],
    'pool, file reads': [],
    service: [],
    ...(stackBefore ? { 'service, --before build': [] } : {}),
  };
  let failed = false;
  const row = (round: number, stage: string, mbps: number, cMbps: number, exact: boolean): void => {
    if (stage in ratios) ratios[stage].push(mbps / cMbps);
    if (!exact) failed = true;
    console.log(
      `| ${round} | ${stage} | ${mbps.toFixed(0)} | ${(mbps / cMbps).toFixed(2)} | ${load()} | ${exact ? 'yes' : 'NO'} |`,
    );
  };
  try {
    // Warm-up: the pool's threads compile their scanner, the service its first task.
    await scanRange(
      (a, b) => blobs.readRange(`${token}/input.txt`, a, b),
      { start: 0, end: 8 << 20, size },
      pool.scanSlice.bind(pool),
    );
    for (let round = 1; round <= rounds; round++) {
      const cRun = runCReference(c, file);
      const cMbps = size / 1e3 / cRun.ms;
      row(round, 'C loop, 1 core', cMbps, cMbps, same(cRun.result, want));

      let t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const mem = scanBuffer(inMemory, 1 << 20);
      const cpu = process.cpuUsage(cpu0);
      row(
        round,
        'scan',
        inMemory.length / 1e3 / (performance.now() - t0),
        cMbps,
        same(mem, wantMemory),
      );
      // Per core on a shared machine: bytes per CPU second, this thread's against the C process's.
      if (cRun.cpuMs) {
        const scanCpu = inMemory.length / 1e3 / ((cpu.user + cpu.system) / 1e3);
        row(round, 'scan, per CPU second', scanCpu, size / 1e3 / cRun.cpuMs, true);
      }

      // The worker's two ways, without Redis: chunks of CHUNK_BYTES, two at a time (the default
      // WORKER_CONCURRENCY here), on a pool of 2 threads.
      const chunks = planChunks(size, chunkBytes);
      const viaChunks = async (
        scanChunk: (start: number, end: number) => ReturnType<typeof scanRange>,
      ): Promise<Total> => {
        const results = new Array<Awaited<ReturnType<typeof scanRange>>>(chunks.length);
        await runConcurrently(chunks.length, 2, async (k) => {
          results[k] = await scanChunk(chunks[k].start, chunks[k].end);
        });
        return combineChunkResults(results);
      };
      t0 = performance.now();
      const streamed = await viaChunks((start, end) =>
        scanRange(
          (a, b) => blobs.readRange(key, a, b),
          { start, end, size },
          pool.scanSlice.bind(pool),
        ),
      );
      row(
        round,
        'pool, streamed',
        size / 1e3 / (performance.now() - t0),
        cMbps,
        same(streamed, want),
      );
      t0 = performance.now();
      const path = blobs.localPath(key)!;
      const read = await viaChunks((start, end) =>
        scanStoredRange({ path, start, end, size }, (part) => pool.scanFilePart(part)),
      );
      row(
        round,
        'pool, file reads',
        size / 1e3 / (performance.now() - t0),
        cMbps,
        same(read, want),
      );

      // A stored file: the worker is frozen while the file uploads (fs storage would otherwise
      // scan it as it arrives), then thawed; processing runs from the thaw to finishedAt.
      const service = async (on: Stack): Promise<{ mbps: number; result: Total }> => {
        const worker = on.workers[0].proc;
        worker.kill('SIGSTOP');
        let reply: Awaited<ReturnType<typeof upload>>;
        try {
          reply = await upload(
            `${on.url}/even-sum`,
            createReadStream(file, { highWaterMark: 1 << 20 }),
            {
              headers: { 'content-type': 'application/octet-stream', 'content-length': size },
            },
          );
        } finally {
          worker.kill('SIGCONT');
        }
        const thawed = Date.now();
        if (reply.status !== 201)
          throw new Error(`upload: ${reply.status} ${JSON.stringify(reply.body)}`);
        const task = reply.body.token as string;
        const status = await waitForTask(on.url, 'even-sum', task, 600_000);
        const result = await http<Total>(`${on.url}/even-sum/${task}/result`);
        const seconds = (Date.parse(status.finishedAt as string) - thawed) / 1000;
        return { mbps: size / 1e6 / seconds, result: result.body };
      };
      const now = await service(stack);
      row(round, 'service', now.mbps, cMbps, same(now.result, want));
      if (stackBefore) {
        const then = await service(stackBefore);
        row(round, 'service, --before build', then.mbps, cMbps, same(then.result, want));
      }
    }
  } finally {
    await stack.stop();
    await stackBefore?.stop();
    await pool.destroy();
    rmSync(join(dir, token), { recursive: true, force: true });
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log('\n| stage | × C loop: median (min–max) |\n| --- | --- |');
  for (const [stage, xs] of Object.entries(ratios)) {
    console.log(
      `| ${stage} | ${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}) |`,
    );
  }
  if (failed) {
    console.error('a result disagrees with the C reference');
    process.exitCode = 1;
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
