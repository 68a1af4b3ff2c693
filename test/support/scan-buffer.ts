import {
  combineChunkResults,
  EvenSumTotal,
  createScanState,
  finishScan,
  scanSlice,
} from '@app/tasks/even-sum';

/**
 * Scans a whole file held in memory as one chunk, in this thread, in slices of `sliceBytes` (one
 * slice by default): the scanner's answer the specs compare against, and the benches' baseline.
 */
export function scanBuffer(bytes: Uint8Array, sliceBytes = bytes.length): EvenSumTotal {
  const state = createScanState({ start: 0, end: bytes.length });
  for (let at = 0; at < bytes.length; at += sliceBytes)
    scanSlice(state, bytes.subarray(at, Math.min(bytes.length, at + sliceBytes)));
  return combineChunkResults([finishScan(state)]);
}
