// npm run bench:even-sum -- --size 1GB [--workers 1] [--keep]
// (1) scanner throughput per core next to the plain readline + BigInt way (scripts/bench-scanner.ts, same run);
// (2) a generated file of --size streamed through the real api (like curl -T) and summed by the worker(s):
//     upload time, processing time after the upload, lead time, exact sum, peak RSS of api and worker.
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { http, waitForTask } from '../test/support/http';
import { Stack } from '../test/support/stack';
import { upload } from '../test/support/upload';
import { arg, machineLine } from './bench/bench-util';
import { parseSize } from '../apps/cli/src/numbers/parse-size';

/** Peak resident set (VmHWM) of a process, in MiB. */
function peakRssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

async function main(): Promise<void> {
  const size = parseSize(arg('size', '1GB'));
  const workers = Number(arg('workers', '1'));
  const dir = join(__dirname, '..', 'tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-numbers-${size}.txt`);

  console.log(machineLine());
  console.log('\n## Scanner, in memory (median of runs)\n');
  const scanner = spawnSync(
    'npx',
    [
      'tsx',
      join(__dirname, 'bench-scanner.ts'),
      '--size',
      String(Math.min(size, 256 * 1024 * 1024)),
    ],
    { stdio: 'inherit' },
  );
  if (scanner.status !== 0) throw new Error('bench-scanner failed');

  process.stderr.write(`generating ${size} bytes into ${file}\n`);
  const { stream, expected } = generateNumbers({ bytes: size, seed: 2026 });
  await pipeline(stream, createWriteStream(file));
  const want = await expected;

  const stack = await Stack.start({
    workers,
    env: { LOG_LEVEL: 'warn', MAX_UPLOAD_BYTES: String(size + 1) },
  });
  try {
    const t0 = Date.now();
    const reply = await upload(
      `${stack.url}/even-sum`,
      createReadStream(file, { highWaterMark: 1 << 20 }),
      {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': statSync(file).size,
        },
      },
    );
    if (reply.status !== 201)
      throw new Error(`upload: ${reply.status} ${JSON.stringify(reply.body)}`);
    const uploaded = Date.now();
    const token = reply.body.token as string;
    const status = await waitForTask(stack.url, 'even-sum', token, 3_600_000);
    const result = await http(`${stack.url}/even-sum/${token}/result`);
    const exact =
      result.body.sum === want.sum &&
      result.body.evenCount === want.evenCount &&
      result.body.count === want.count;
    const processingS = (Date.parse(status.finishedAt as string) - uploaded) / 1000;
    const rows: [string, string][] = [
      ['file', `${(size / 1e9).toFixed(2)} GB, ${want.count} integers`],
      ['workers × WORKER_CONCURRENCY', `${workers} × default (${availableParallelism()})`],
      ['upload (s)', ((uploaded - t0) / 1000).toFixed(1)],
      ['processing after upload (s)', processingS.toFixed(2)],
      ['processing throughput (MB/s)', (size / 1e6 / processingS).toFixed(0)],
      ['lead time (s, server)', ((status.leadTimeMs as number) / 1000).toFixed(1)],
      ['executionMs (sum over chunks) / wallMs', `${status.executionMs} / ${status.wallMs}`],
      [
        'exact sum',
        exact
          ? `yes (${want.sum})`
          : `NO: got ${JSON.stringify(result.body)}, want ${JSON.stringify(want)}`,
      ],
      ['peak RSS api (MiB)', peakRssMiB(stack.api.proc.pid).toFixed(0)],
      ...stack.workers.map((w, i): [string, string] => [
        `peak RSS worker ${i + 1} (MiB)`,
        peakRssMiB(w.proc.pid).toFixed(0),
      ]),
    ];
    console.log('\n## End to end through the api\n');
    console.log('| measure | value |\n| --- | --- |');
    for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
    console.log(
      '\nCompare "processing throughput" with the single-thread scanner MB/s above: ≥ 1.6x means the chunks spread over the cores.',
    );
    if (!exact) process.exitCode = 1;
  } finally {
    await stack.stop();
    if (!process.argv.includes('--keep')) rmSync(file, { force: true });
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
