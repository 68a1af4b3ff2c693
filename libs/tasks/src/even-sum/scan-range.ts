import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ChunkScanResult, createScanState, finishScan, scanSlice, ScanState } from './even-sum.scanner';

/** Streams the bytes [start, endExclusive) of the stored file (fs stream, S3 ranged GET). */
export type ReadRange = (start: number, endExclusive: number) => AsyncIterable<Uint8Array>;

/** Runs scanSlice somewhere (in this thread, or a worker thread via ScanPool). */
export type ScanSliceImpl = (
  state: ScanState,
  bytes: Uint8Array,
  prevByte: number | undefined,
) => Promise<{ state: ScanState; done: boolean }>;

// 1 MiB scans in ~2 ms: the event loop (health checks, bull's lock renewal) never waits long.
const SLICE_BYTES = 1 << 20;
// Past `end`, only the last token's tail is needed: small reads.
const TAIL_WINDOW = 64 * 1024;
const YIELD_AFTER_MS = 10;
const PROGRESS_EVERY = 8 * 1024 * 1024;

const inThread: ScanSliceImpl = async (state, bytes, prevByte) => ({ state, done: scanSlice(state, bytes, prevByte) });

/**
 * Scans the chunk [start, end) of a file of `size` bytes: reads [start - 1, end) (the byte
 * before start decides whether the chunk begins inside a token), then 64 KiB windows past end
 * only while the chunk's last token is unfinished. onProgress gets the bytes fed so far, every
 * 8 MiB and at the end (past `end` when the last token ran over).
 */
export async function scanRange(
  read: ReadRange,
  range: { start: number; end: number; size: number },
  scanSliceImpl: ScanSliceImpl = inThread,
  onProgress?: (bytesDone: number) => void,
): Promise<ChunkScanResult> {
  const { start, size } = range;
  const end = Math.min(range.end, size);
  let state = createScanState({ start, end });
  let prevByte: number | undefined;
  let needPrev = start > 0;
  let fed = 0;
  let reported = 0;
  let done = end <= start; // an empty range owns nothing
  let lastYield = performance.now();

  // Feeds one read piece in slices; returns true once the chunk is complete.
  const feed = async (piece: Uint8Array): Promise<boolean> => {
    let bytes = piece;
    if (needPrev) {
      if (bytes.length === 0) return false;
      prevByte = bytes[0];
      needPrev = false;
      bytes = bytes.subarray(1);
    }
    for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
      const slice = bytes.subarray(at, Math.min(bytes.length, at + SLICE_BYTES));
      const first = fed === 0;
      ({ state, done } = await scanSliceImpl(state, slice, first ? prevByte : undefined));
      fed += slice.length;
      if (onProgress && (fed - reported >= PROGRESS_EVERY || done)) {
        reported = fed;
        onProgress(fed);
      }
      if (done) return true;
      // An in-thread scan of an in-memory piece never lets the event loop run otherwise.
      if (performance.now() - lastYield >= YIELD_AFTER_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    return false;
  };

  if (!done) {
    for await (const piece of read(start > 0 ? start - 1 : 0, end)) {
      if (await feed(piece)) break;
    }
  }
  for (let from = end; !done && from < size; from += TAIL_WINDOW) {
    for await (const piece of read(from, Math.min(size, from + TAIL_WINDOW))) {
      if (await feed(piece)) break;
    }
  }
  if (onProgress && fed !== reported) onProgress(fed);
  return finishScan(state);
}
