import { closeSync, openSync, readSync } from 'node:fs';
import { ChunkScanResult, createScanState, finishScan, scanSlice } from './even-sum.scanner';
import { joinChunkResults } from './join-chunk-results';
import { recycleLimbs } from './limbs-pool';
import { KERNEL_PIECE, kernelScratch } from './scan-kernel';

/** A stored file's part to scan: tokens starting in [start, end) of a file of `size` bytes. */
export interface FilePart {
  path: string;
  start: number;
  end: number;
  size: number;
}

/** Runs scanFilePart somewhere (a ScanPool thread, or this one). */
export type ScanFilePartImpl = (part: FilePart) => Promise<ChunkScanResult>;

// Past `end` only the last token's tail is needed: small reads, most tokens end in the first.
const TAIL_READ = 64 * 1024;
/**
 * Bytes per part of a stored range: one task on a pool thread (~10 ms of scanning), and one step at
 * the worker's CPU gate. Parts of 4 MiB (a quantum a quarter as long) took the quiet client's p95
 * from 220 to 153 ms (medians of 5 runs) in one worker process of two slots, but cost the
 * stored-file scan 15-20 % of its rate (each part pays a round trip to its thread while it holds a
 * permit): docs/benchmarks.md ("Fairness: the gate goes round the clients").
 */
export const FILE_PART_BYTES = 16 << 20;
// Parts running or queued at once per range: two chunks at a time then keep two threads busy
// through each part's round trip, and a bad token stops the scan within a few parts.
const PARTS_IN_FLIGHT = 4;

/**
 * Scans one part of a file in this thread, reading it straight into the scanner's scratch (the
 * kernel's memory): one copy, the kernel's, from the page cache to where the scan runs; no
 * stream, no part buffer, no transfer between threads. Reads the byte before `start` (whether
 * the part begins inside a token), then [start, end), then on past `end` until its last token
 * ends. The file is read as it is now: a file shorter than `size` ends the scan at its end.
 * `longSums`: as finishScan's (a long sum as bytes when 'bytes').
 */
export function scanFilePart(
  { path, start, end, size }: FilePart,
  longSums: 'string' | 'bytes' = 'string',
): ChunkScanResult {
  const state = createScanState({ start, end: Math.max(start, Math.min(end, size)) });
  const fd = openSync(path, 'r');
  try {
    let prevByte: number | undefined;
    if (start > 0 && readSync(fd, kernelScratch, 0, 1, start - 1) === 1)
      prevByte = kernelScratch[0];
    let done = false;
    for (let pos = start; !done && pos < size;) {
      const want = pos < end ? Math.min(KERNEL_PIECE, end - pos) : Math.min(TAIL_READ, size - pos);
      const n = readSync(fd, kernelScratch, 0, want, pos);
      if (n <= 0) break;
      done = scanSlice(state, kernelScratch.subarray(0, n), pos === start ? prevByte : undefined);
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  const result = finishScan(state, longSums);
  // The sum is printed: the state's arrays (a long token's, millions of digits) are free again.
  recycleLimbs(state.big);
  if (state.tokGroups !== state.big) recycleLimbs(state.tokGroups);
  return result;
}

/**
 * Scans the chunk [start, end) of a stored file as parts of FILE_PART_BYTES (partBytes), each read and
 * scanned where `scanPart` runs it (a ScanPool thread), PARTS_IN_FLIGHT at a time so that every
 * thread stays busy; their results joined in order. A part after one that found a bad token is
 * not started (a single scan would have stopped there). onProgress gets the bytes of the parts
 * done so far.
 */
export async function scanStoredRange(
  part: FilePart,
  scanPart: ScanFilePartImpl,
  onProgress?: (bytesDone: number) => void,
  partBytes = FILE_PART_BYTES,
): Promise<ChunkScanResult> {
  const { path, start, size } = part;
  const end = Math.min(part.end, size);
  if (end <= start) return scanFilePart({ path, start, end: start, size });
  const results: ChunkScanResult[] = [];
  let failedFrom = Infinity;
  let done = 0;
  let next = start;
  const lane = async (): Promise<void> => {
    while (next < end && next < failedFrom) {
      const from = next;
      const to = Math.min(end, from + partBytes);
      next = to;
      const result = await scanPart({ path, start: from, end: to, size });
      results[(from - start) / partBytes] = result;
      if (result.error) failedFrom = Math.min(failedFrom, from);
      done += to - from;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: PARTS_IN_FLIGHT }, lane));
  // Every part before the first failed one ran: a part starts only while none before it failed.
  const upToError: ChunkScanResult[] = [];
  for (const r of results) {
    if (!r) break;
    upToError.push(r);
    if (r.error) break;
  }
  return joinChunkResults(upToError);
}
