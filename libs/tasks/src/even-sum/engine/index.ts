// The even-sum engine, pure (no Nest, no Redis): the scanner and its exact sums, the chunk plan,
// the fold of chunk results and the thread pool that scans.
// The even-sum Nest parts (../) and others (through ../index.ts) use the engine only through this
// file.
export { createScanState, finishScan, scanSlice } from './even-sum.scanner';
export type { ChunkScanResult, ScanState } from './even-sum.scanner';
export { scanRange } from './scan-range';
export type { ReadRange } from './scan-range';
export { ScanPool } from './scan-pool';
export { scanStoredRange } from './scan-file';
export type { FilePart } from './scan-file';
export { chunkCount, planChunks } from './chunk-plan';
export type { ChunkRange } from './chunk-plan';
export { ChunkReadiness } from './chunk-readiness';
export { chunksInOrder } from './chunk-coverage';
export { joinChunkResults } from './join-chunk-results';
export { combineChunkResults } from './combine-chunk-results';
export type { EvenSumTotal } from './combine-chunk-results';
export { invalidTokenMessage } from './invalid-token';
export { recycleDecimalBytes, takeBytesBuffer } from './bytes-pool';
export type { DecimalText } from './decimal-text';
