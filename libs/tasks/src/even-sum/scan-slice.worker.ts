import { scanSlice, ScanState } from './even-sum.scanner';

/** What ScanPool sends to a worker thread: the state travels by copy, the bytes' buffer by transfer. */
export interface ScanSliceTask {
  state: ScanState;
  bytes: Uint8Array;
  prevByte?: number;
}

/** The worker-thread side of ScanPool: scanSlice on a copy of the state, handed back. */
export default function scanSliceTask({ state, bytes, prevByte }: ScanSliceTask): {
  state: ScanState;
  done: boolean;
} {
  const done = scanSlice(state, bytes, prevByte);
  return { state, done };
}
