import {
  combineChunkResults,
  EvenSumTotal,
  ScanPool,
  ReadRange,
  scanRange,
} from '@app/tasks/even-sum';
import { scanBuffer } from '../../test/support/scan-buffer';

/** Scans `data` as one chunk in this thread, in 1 MiB slices. */
export function scanInThread(data: Buffer): EvenSumTotal {
  return scanBuffer(data, 1 << 20);
}

/** Scans `data` as two chunks on `pool`, read in `pieceBytes` pieces as a file stream yields them. */
export async function scanPooled(
  pool: ScanPool,
  data: Buffer,
  pieceBytes: number,
): Promise<EvenSumTotal> {
  const read: ReadRange = async function* (start, end) {
    for (let at = start; at < end; at += pieceBytes)
      yield data.subarray(at, Math.min(end, at + pieceBytes));
  };
  const half = Math.floor(data.length / 2);
  const size = data.length;
  const viaPool = pool.scanSlice.bind(pool);
  const results = await Promise.all([
    scanRange(read, { start: 0, end: half, size }, viaPool),
    scanRange(read, { start: half, end: size, size }, viaPool),
  ]);
  return combineChunkResults(results);
}

/** Runs `run` `runs` times over `bytes`; the median rate in MB/s and the last result. */
export async function medianRate(
  runs: number,
  bytes: number,
  run: () => EvenSumTotal | Promise<EvenSumTotal>,
): Promise<{ mbps: number; result: EvenSumTotal }> {
  const rates: number[] = [];
  let result: EvenSumTotal = { sum: '', evenCount: 0, count: 0 };
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    result = await run();
    rates.push(bytes / 1e6 / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { mbps: rates[Math.floor(rates.length / 2)], result };
}
