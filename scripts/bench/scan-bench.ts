import {
  combineChunkResults,
  EvenSumTotal,
} from '../../libs/tasks/src/even-sum/combine-chunk-results';
import {
  createScanState,
  finishScan,
  scanSlice,
} from '../../libs/tasks/src/even-sum/even-sum.scanner';
import { ScanPool } from '../../libs/tasks/src/even-sum/scan-pool';
import { ReadRange, scanRange } from '../../libs/tasks/src/even-sum/scan-range';

/** Scans `data` as one chunk in this thread, in 1 MiB slices. */
export function scanInThread(data: Buffer): EvenSumTotal {
  const state = createScanState({ start: 0, end: data.length });
  for (let at = 0; at < data.length; at += 1 << 20)
    scanSlice(state, data.subarray(at, Math.min(data.length, at + (1 << 20))));
  return combineChunkResults([finishScan(state)]);
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
