/**
 * Long tokens against normal ones, in memory: npx tsx scripts/bench-long-tokens.ts [--size 6MB] [--runs 3]
 *
 * The scanner must be linear in the length of a token and as fast per byte on 16–19-digit
 * numbers as on 10–15-digit ones. Data sets of the same size: the generator's default file,
 * one run of digits, numbers of 10–15 digits, of 16–19 digits and of 20–40 digits (random
 * signs, one per line). Each is scanned in this thread (1 MiB slices) and by ScanPool over two
 * ranges (the worker's path); the median of the runs, checked against BigInt arithmetic.
 */
import { cpus } from 'node:os';
import { EvenSumTotal, ScanPool } from '@app/tasks/even-sum';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { parseSize } from '../apps/cli/src/numbers/parse-size';
import { arg } from './bench/bench-util';
import { medianRate, scanInThread, scanPooled } from './bench/scan-bench';
import { prng } from '../test/support/fuzz';

const MiB = 1 << 20;

/** Numbers of minDigits..maxDigits digits (no leading zero), random signs, '\n' after each. */
function numbers(bytes: number, minDigits: number, maxDigits: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(bytes, 10);
  let at = 0;
  for (;;) {
    const digits = minDigits + Math.floor(next() * (maxDigits - minDigits + 1));
    const negative = next() < 0.5;
    if (at + digits + (negative ? 1 : 0) + 1 > bytes) break;
    if (negative) out[at++] = 45;
    out[at++] = 49 + Math.floor(next() * 9);
    for (let k = 1; k < digits; k++) out[at++] = 48 + Math.floor(next() * 10);
    out[at++] = 10;
  }
  return out.subarray(0, at);
}

/** One token: bytes − 1 digits and a '\n'. */
function digitRun(bytes: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(bytes, 10);
  out[0] = 49 + Math.floor(next() * 9);
  for (let k = 1; k < bytes - 1; k++) out[k] = 48 + Math.floor(next() * 10);
  out[bytes - 2] = 56; // even, so the whole run is summed
  return out;
}

/** The expected answer by BigInt, token by token (exact, slow on huge tokens: run once). */
function expectedOf(data: Buffer): EvenSumTotal {
  let sum = 0n;
  let count = 0;
  let evenCount = 0;
  for (const token of data.toString('latin1').split('\n')) {
    if (token === '') continue;
    count++;
    const last = token.charCodeAt(token.length - 1);
    if ((last & 1) === 0) {
      evenCount++;
      sum += BigInt(token);
    }
  }
  return { sum: sum.toString(), count, evenCount };
}

async function main(): Promise<void> {
  const bytes = parseSize(arg('size', '6MB'));
  const runs = Math.max(1, Number(arg('runs', '3')));
  const normal = generateNumbers({ bytes, seed: 1 });
  const parts: Buffer[] = [];
  for await (const part of normal.stream) parts.push(part as Buffer);
  const datasets: [string, Buffer, EvenSumTotal | undefined][] = [
    ['generator default (10-digit)', Buffer.concat(parts), await normal.expected],
    ['one run of digits', digitRun(bytes, 3), undefined],
    ['10-15 digits', numbers(bytes, 10, 15, 4), undefined],
    ['16-19 digits', numbers(bytes, 16, 19, 5), undefined],
    ['20-40 digits', numbers(bytes, 20, 40, 6), undefined],
  ];
  console.log(`# long tokens, ${new Date().toISOString()}`);
  console.log(
    `# ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${bytes / 1e6} MB per data set, median of ${runs}`,
  );
  console.log('');
  // The ratios are the generator default's rate over the data set's, in this run: how many times
  // longer a data set of the same size takes (the targets: at most 3 for a run of digits).
  console.log(
    '| data | scanSlice, 1 thread: MB/s | × default | ScanPool 2 threads, 2 ranges: MB/s | × default |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const baseline: number[] = [];
  const pool = new ScanPool(2);
  let failed = false;
  try {
    await scanPooled(pool, datasets[0][1].subarray(0, 4 * MiB), 64 * 1024); // thread start-up, not measured
    for (const [label, data, known] of datasets) {
      const expected = known ?? expectedOf(data);
      const cells: string[] = [];
      const paths = [() => scanInThread(data), () => scanPooled(pool, data, 64 * 1024)];
      for (const [k, run] of paths.entries()) {
        const { mbps, result } = await medianRate(runs, data.length, run);
        const agrees =
          result.sum === expected.sum &&
          result.count === expected.count &&
          result.evenCount === expected.evenCount &&
          !result.error;
        if (!agrees) failed = true;
        baseline[k] ??= mbps;
        cells.push(`${mbps.toFixed(1)}${agrees ? '' : ' WRONG RESULT'}`);
        cells.push((baseline[k] / mbps).toFixed(2));
      }
      console.log(`| ${label} | ${cells.join(' | ')} |`);
    }
  } finally {
    await pool.destroy();
  }
  if (failed) {
    console.error('results disagree with BigInt arithmetic');
    process.exitCode = 1;
  }
}

void main();
