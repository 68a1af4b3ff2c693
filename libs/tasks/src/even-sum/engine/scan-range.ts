import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  ChunkScanResult,
  createScanState,
  finishScan,
  scanSlice,
  ScanState,
} from './even-sum.scanner';
import { joinChunkResults } from './join-chunk-results';
import { PART_BYTES, recyclePartBuffer, takePartBuffer } from './part-buffers';

/** Streams the bytes [start, endExclusive) of the stored file (fs stream, S3 ranged GET). */
export type ReadRange = (start: number, endExclusive: number) => AsyncIterable<Uint8Array>;

/** Runs scanSlice somewhere (in this thread, or a worker thread via ScanPool). */
export type ScanSliceImpl = (
  state: ScanState,
  bytes: Uint8Array,
  prevByte: number | undefined,
) => Promise<{ state: ScanState; done: boolean }>;

// Parts of 4 MiB (PART_BYTES): a part costs messages to and from a worker thread, which are
// not cheap (~0.2-0.4 ms each on this VM), so fewer, larger parts keep the threads scanning.
// In this thread, a part is scanned 1 MiB (~2 ms) at a time, letting the event loop (health
// checks, bull's lock renewal) run every ~10 ms.
const SLICE_BYTES = 1 << 20;
// Parts scanned at once: enough to keep the pool's threads busy through round trips (at least
// 2: the newest part waits for the next one's head).
const PARTS_IN_FLIGHT = 4;
// A part's last token usually ends within the next part's first bytes, kept for that.
const HEAD_BYTES = 256;
// Past `end` (or a part's head), only the last token's tail is needed: small reads first.
const TAIL_WINDOW = 64 * 1024;
const YIELD_AFTER_MS = 10;
const PROGRESS_EVERY = 8 * 1024 * 1024;

// Shared by every scan in this thread: it is this thread's event loop that must get turns.
let lastYield = performance.now();

/** The default: scanSlice in this thread, in slices of at most 1 MiB, yielding now and then. */
const inThread: ScanSliceImpl = async (state, bytes, prevByte) => {
  let done = false;
  for (let at = 0; at < bytes.length && !done; at += SLICE_BYTES) {
    const slice = bytes.subarray(at, Math.min(bytes.length, at + SLICE_BYTES));
    done = scanSlice(state, slice, at === 0 ? prevByte : undefined);
    if (performance.now() - lastYield >= YIELD_AFTER_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  return { state, done };
};

/**
 * Scans the chunk [start, end) of a file of `size` bytes: reads [start - 1, end) (the byte
 * before start decides whether the chunk begins inside a token), then 64 KiB windows past end
 * only while the chunk's last token is unfinished.
 *
 * The chunk is scanned as parts of 4 MiB, each a range of its own (a token belongs to the part
 * it starts in, exactly as with chunks), several at once, and their results joined; so a single
 * chunk keeps every thread of a ScanPool busy. onProgress gets the bytes handed to the scanner,
 * every 8 MiB and at the end. `longSums`: as finishScan's (a long sum as bytes when 'bytes').
 */
export async function scanRange(
  read: ReadRange,
  range: { start: number; end: number; size: number },
  scanSliceImpl: ScanSliceImpl = inThread,
  onProgress?: (bytesDone: number) => void,
  { longSums = 'string' }: { longSums?: 'string' | 'bytes' } = {},
): Promise<ChunkScanResult> {
  const { start, size } = range;
  const end = Math.min(range.end, size);
  if (end <= start) return finishScan(createScanState({ start, end: start }));

  const results: Promise<ChunkScanResult>[] = [];
  const inFlight = new Set<Promise<ChunkScanResult>>();
  let failed = false; // a part found a bad token: the parts after it do not count
  let partStart = start;
  let lastByte: number | undefined;
  let needPrev = start > 0;
  let passHead: (head: Uint8Array | undefined) => void = () => undefined;
  let handed = 0;
  let reported = 0;

  /** Scans the part [from0, from0 + bytes.length); its last token ends in the next part's head or later. */
  const scanPart = async (
    from0: number,
    bytes: Uint8Array,
    prevByte: number | undefined,
    nextHead: Promise<Uint8Array | undefined>,
    recycle: boolean,
  ): Promise<ChunkScanResult> => {
    let from = from0 + bytes.length;
    let { state, done } = await scanSliceImpl(
      createScanState({ start: from0, end: from }),
      bytes,
      prevByte,
    );
    // Scanned (or transferred away, then its byteLength is 0): a gathered buffer can be reused.
    if (recycle) recyclePartBuffer(bytes.buffer);
    if (!done) {
      const head = await nextHead;
      if (head) {
        // In this thread: a round trip costs more than scanning 256 bytes.
        ({ state, done } = await inThread(state, head, undefined));
        from += head.length;
      }
    }
    // A token running past what this part was given: read on from the store, a window at a
    // time, and scan it in this thread: a round trip to a worker thread per 64 KiB window
    // (~0.2-0.4 ms) costs more than scanning the window. (The state's arrays would move by
    // transfer; before they did, each trip cloned the token's digits so far, quadratic in its
    // length.) Only such a token's tail is scanned here.
    // Windows double up to a part's size: most tokens end in the first one, and a run of
    // millions of digits costs a handful of reads (a read opens a stream: ~0.3-1 ms each on
    // this VM, 32 of them for a 2 MiB tail of 64 KiB windows) instead of one per 64 KiB.
    for (
      let window = TAIL_WINDOW;
      !done && from < size;
      from += window, window = Math.min(PART_BYTES, 2 * window)
    ) {
      for await (const piece of read(from, Math.min(size, from + window))) {
        ({ state, done } = await inThread(state, piece, undefined));
        if (done) break;
      }
    }
    const result = finishScan(state, longSums);
    if (result.error) failed = true;
    return result;
  };

  /** Starts scanning the next part (owned bytes, or a view that ScanPool copies). */
  const launch = async (bytes: Uint8Array, recycle = false): Promise<void> => {
    // Everything needed from the part's bytes is taken before scanning starts: ScanPool
    // transfers (detaches) its buffer. The head is copied (a Buffer's slice() is a view).
    passHead(new Uint8Array(bytes.subarray(0, HEAD_BYTES)));
    const nextHead = new Promise<Uint8Array | undefined>((resolve) => (passHead = resolve));
    const length = bytes.length;
    const prevByte = lastByte;
    lastByte = bytes[length - 1];
    const part = scanPart(partStart, bytes, prevByte, nextHead, recycle);
    partStart += length;
    results.push(part);
    inFlight.add(part);
    void part.then(
      () => inFlight.delete(part),
      () => inFlight.delete(part),
    );
    handed += length;
    if (onProgress && handed - reported >= PROGRESS_EVERY) {
      reported = handed;
      onProgress(handed);
    }
    if (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
  };

  // Small read pieces (an S3 body arrives in chunks of 16-64 KiB) are gathered into parts: a
  // part is a round trip to a worker thread, and a gathered part is owned, so ScanPool
  // transfers it without copying again.
  let gather: Uint8Array | undefined;
  let gathered = 0;
  let left = end - (start > 0 ? start - 1 : 0);
  for await (const piece of read(start > 0 ? start - 1 : 0, end)) {
    left -= piece.length;
    let bytes = piece;
    if (needPrev && bytes.length > 0) {
      lastByte = bytes[0];
      needPrev = false;
      bytes = bytes.subarray(1);
    }
    for (let at = 0; at < bytes.length;) {
      if (gathered === 0 && bytes.length - at >= PART_BYTES) {
        await launch(bytes.subarray(at, at + PART_BYTES));
        at += PART_BYTES;
        continue;
      }
      if (!gather) {
        const want = Math.min(PART_BYTES, bytes.length - at + Math.max(0, left));
        gather = want === PART_BYTES ? takePartBuffer() : new Uint8Array(want);
      }
      const take = Math.min(gather.length - gathered, bytes.length - at);
      gather.set(bytes.subarray(at, at + take), gathered);
      gathered += take;
      at += take;
      if (gathered === gather.length) {
        await launch(gather, true);
        gather = undefined;
        gathered = 0;
      }
    }
    if (failed) break;
  }
  if (gather && gathered > 0 && !failed) await launch(gather.subarray(0, gathered));
  passHead(undefined);
  const result = joinChunkResults(await Promise.all(results));
  if (onProgress && handed !== reported) onProgress(handed);
  return result;
}
