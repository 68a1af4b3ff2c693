import {
  combineChunkResults,
  EvenSumTotal,
} from '../../libs/tasks/src/even-sum/combine-chunk-results';
import {
  createScanState,
  finishScan,
  scanSlice,
} from '../../libs/tasks/src/even-sum/even-sum.scanner';

/** Scans a whole file held in memory as one chunk: the scanner's answer the specs compare against. */
export function scanBuffer(bytes: Uint8Array): EvenSumTotal {
  const state = createScanState({ start: 0, end: bytes.length });
  scanSlice(state, bytes);
  return combineChunkResults([finishScan(state)]);
}
