/**
 * Long tokens against normal ones, in memory: npx tsx scripts/bench-long-tokens.ts [--size 6MB] [--runs 3]
 *
 * The scanner must be linear in the length of a token and as fast per byte on 16–19-digit
 * numbers as on 10–15-digit ones. Data sets of the same size: the generator's default file,
 * one run of digits, numbers of 10–15 digits, of 16–19 digits and of 20–40 digits (random
 * signs, one per line). Each is scanned in this thread (1 MiB slices) and by ScanPool over two
 * ranges (the worker's path), each run right after a run of the generator default, for per-run
 * ratios; results checked against BigInt arithmetic. Through the real service (api + worker):
 * scripts/bench-long-tokens-service.ts (npm run bench:long-tokens).
 */
import { cpus } from 'node:os';
import { EvenSumTotal, ScanPool } from '@app/tasks/even-sum';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { parseSize } from '../apps/cli/src/numbers/parse-size';
import { arg } from './bench/bench-util';
import { scanInThread, scanPooled } from './bench/scan-bench';
import { digitRun, numbers } from './bench/long-token-data';

const MiB = 1 << 20;

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[0], median(sorted), sorted[sorted.length - 1]]
    .map((v) => v.toFixed(2))
    .join(' / ');
}

/** `runs` timings (ms) of `run`, each right after one of `baseline`; the last result of `run`. */
async function timedRuns(
  runs: number,
  run: () => EvenSumTotal | Promise<EvenSumTotal>,
  baseline: () => EvenSumTotal | Promise<EvenSumTotal>,
): Promise<{ ms: number[]; baseMs: number[]; result: EvenSumTotal }> {
  const ms: number[] = [];
  const baseMs: number[] = [];
  let result: EvenSumTotal = { sum: '', evenCount: 0, count: 0 };
  for (let k = 0; k < runs; k++) {
    let t0 = performance.now();
    await baseline();
    baseMs.push(performance.now() - t0);
    t0 = performance.now();
    result = await run();
    ms.push(performance.now() - t0);
  }
  return { ms, baseMs, result };
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
    `# ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${bytes / 1e6} MB per data set, ${runs} runs`,
  );
  console.log('');
  // Each run scans the generator default and then the data set, back to back: "× default" is
  // the data set's time over the default's in the same run (how many times longer the same
  // number of bytes takes; the target: at most 3 for a run of digits), min / median / max over
  // the runs, so that a load spike moves both sides of one ratio rather than one side of all.
  console.log(
    '| data | scanSlice, 1 thread: MB/s | × default (min / median / max) | ScanPool 2 threads, 2 ranges: MB/s | × default (min / median / max) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const pool = new ScanPool(2);
  let failed = false;
  try {
    await scanPooled(pool, datasets[0][1].subarray(0, 4 * MiB), 64 * 1024); // thread start-up, not measured
    const baseData = datasets[0][1];
    for (const [label, data, known] of datasets) {
      const expected = known ?? expectedOf(data);
      const cells: string[] = [];
      const paths = [(d: Buffer) => scanInThread(d), (d: Buffer) => scanPooled(pool, d, 64 * 1024)];
      for (const run of paths) {
        await run(data); // compiled for this data set first, not measured
        const own = await timedRuns(
          runs,
          () => run(data),
          () => run(baseData),
        );
        const agrees =
          own.result.sum === expected.sum &&
          own.result.count === expected.count &&
          own.result.evenCount === expected.evenCount &&
          !own.result.error;
        if (!agrees) failed = true;
        const ratios = own.ms.map((ms, k) => ms / own.baseMs[k]);
        cells.push(
          `${(data.length / 1e3 / median(own.ms)).toFixed(1)}${agrees ? '' : ' WRONG RESULT'}`,
        );
        cells.push(spread(ratios));
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
