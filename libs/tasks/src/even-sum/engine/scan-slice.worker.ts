import { move, transferableSymbol, valueSymbol } from 'piscina';
import { ChunkScanResult, scanSlice, ScanState } from './even-sum.scanner';
import { FilePart, scanFilePart } from './scan-file';
import { scanStateBuffers } from './scan-state';
import { recycleDecimalBytes } from './bytes-pool';

/** What ScanPool sends to a worker thread: the bytes' buffer and the state's arrays by transfer, the rest by copy. */
export interface ScanSliceTask {
  state: ScanState;
  bytes: Uint8Array;
  prevByte?: number;
}

/** What comes back: the bytes return by transfer too (for ScanPool to reuse their buffer), and the state's arrays. */
export interface ScanSliceResult {
  state: ScanState;
  done: boolean;
  bytes: Uint8Array;
}

/** The worker-thread side of ScanPool: scanSlice on the copy of the state, handed back. */
export default function scanSliceTask({ state, bytes, prevByte }: ScanSliceTask): ScanSliceResult {
  const done = scanSlice(state, bytes, prevByte);
  const result: ScanSliceResult = { state, done, bytes };
  // Piscina transfers what a movable result names under transferableSymbol, sending valueSymbol.
  return move({
    [transferableSymbol]: [bytes.buffer, ...scanStateBuffers(state)],
    [valueSymbol]: result,
  }) as unknown as ScanSliceResult;
}

/** What ScanPool sends for a stored file's part: the part, and maybe a buffer for a long sum's digits. */
export interface ScanFilePartTask {
  part: FilePart;
  spare?: ArrayBuffer;
}

/**
 * The other task (piscina's `name`): a stored file's part, read and scanned in this thread. A
 * sum of millions of digits comes back as bytes, moved rather than cloned: as a string it cost a
 * conversion here and two copies on the way (a 6 MB run of digits: most of its chunk's time).
 */
export function scanFilePartTask({ part, spare }: ScanFilePartTask): ChunkScanResult {
  if (spare) recycleDecimalBytes(new Uint8Array(spare));
  const result = scanFilePart(part, 'bytes');
  if (typeof result.sum === 'string') return result;
  return move({
    [transferableSymbol]: [result.sum.buffer],
    [valueSymbol]: result,
  }) as unknown as ChunkScanResult;
}
