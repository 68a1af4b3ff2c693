/**
 * Even-sum scanner throughput, in memory: npx tsx scripts/bench-scanner.ts [--size 256MB] [--runs 3]
 *
 * (a) scanSlice in this thread, 1 MiB slices; (b) the plain way, readline + BigInt per even
 * number; (c) ScanPool on two concurrent ranges with 1 and with 2 threads. Data: the generator's
 * defaults (numbers of mostly 10 digits, one per line), and a mixed set (negatives, mixed
 * separators, some 21..30-digit numbers). Every figure is the median of the runs; all results
 * must agree with each other and with the generator's answer.
 */
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { EvenSumTotal, ScanPool } from '@app/tasks/even-sum';
import { generateNumbers, GenerateNumbersOptions } from '../apps/cli/src/numbers/number-generator';
import { arg } from './bench/bench-util';
import { medianRate, scanInThread, scanPooled } from './bench/scan-bench';
import { parseSize } from '../apps/cli/src/numbers/parse-size';

const MiB = 1 << 20;

async function generate(
  opts: GenerateNumbersOptions,
): Promise<{ data: Buffer; expected: EvenSumTotal }> {
  const { stream, expected } = generateNumbers(opts);
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return { data: Buffer.concat(parts), expected: await expected };
}

async function scanPlain(data: Buffer): Promise<EvenSumTotal> {
  const parts = function* (): Generator<Buffer> {
    for (let at = 0; at < data.length; at += MiB)
      yield data.subarray(at, Math.min(data.length, at + MiB));
  };
  let sum = 0n;
  let evenCount = 0;
  let count = 0;
  for await (const line of createInterface({
    input: Readable.from(parts()),
    crlfDelay: Infinity,
  })) {
    for (const token of line.split(/[\s,]+/)) {
      if (token === '') continue;
      const value = BigInt(token);
      count++;
      if (value % 2n === 0n) {
        sum += value;
        evenCount++;
      }
    }
  }
  return { sum: sum.toString(), evenCount, count };
}

async function main(): Promise<void> {
  const bytes = parseSize(arg('size', '256MB'));
  const runs = Math.max(1, Number(arg('runs', '3')));
  const datasets: [string, GenerateNumbersOptions][] = [
    ['10-digit, \\n', { bytes, seed: 1 }],
    ['mixed', { bytes, seed: 2, negative: true, maxDigits: 30, separators: 'mixed' }],
  ];
  console.log(`# even-sum scanner benchmark, ${new Date().toISOString()}`);
  console.log(
    `# ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${bytes / 1e6} MB per data set, median of ${runs}`,
  );
  console.log('');
  console.log('| data | implementation | MB/s |');
  console.log('| --- | --- | ---: |');
  const pools = { 1: new ScanPool(1), 2: new ScanPool(2) };
  let failed = false;
  try {
    for (const [label, opts] of datasets) {
      const { data, expected } = await generate(opts);
      // Thread start-up (and tsx compiling the worker from source) is not what is measured.
      for (const pool of Object.values(pools))
        await scanPooled(pool, data.subarray(0, 4 * MiB), MiB);
      const rows: [string, { mbps: number; result: EvenSumTotal }][] = [
        ['scanSlice, 1 thread', await medianRate(runs, data.length, () => scanInThread(data))],
        [
          'plain: readline + BigInt',
          await medianRate(Math.min(runs, 3), data.length, () => scanPlain(data)),
        ],
        [
          'ScanPool 1 thread, 2 ranges',
          await medianRate(runs, data.length, () => scanPooled(pools[1], data, MiB)),
        ],
        [
          'ScanPool 2 threads, 2 ranges',
          await medianRate(runs, data.length, () => scanPooled(pools[2], data, MiB)),
        ],
      ];
      for (const [name, { mbps, result }] of rows) {
        const agrees =
          result.sum === expected.sum &&
          result.evenCount === expected.evenCount &&
          result.count === expected.count &&
          !result.error;
        if (!agrees) failed = true;
        console.log(`| ${label} | ${name} | ${mbps.toFixed(0)}${agrees ? '' : ' WRONG RESULT'} |`);
      }
    }
  } finally {
    await Promise.all(Object.values(pools).map((pool) => pool.destroy()));
  }
  if (failed) {
    console.error('results disagree with the generator');
    process.exitCode = 1;
  }
}

void main();
