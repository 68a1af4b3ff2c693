import * as scanner from './even-sum.scanner';
import { combineChunkResults } from './combine-chunk-results';
import { createScanState, finishScan, scanSlice, ScanState } from './even-sum.scanner';
import { generateNumbers } from '../../../../../apps/cli/src/numbers/number-generator';
import { ReadRange, scanRange } from './scan-range';
import { scanBuffer } from '../../../../../test/support/scan-buffer';

const MiB = 1024 * 1024;

/** An in-memory blob store read: yields [start, end) in pieces of the given sizes, round robin. */
function memoryReader(
  data: Uint8Array,
  pieceSizes: number[] = [7, 13, 1, 1000],
): { read: ReadRange; calls: [number, number][] } {
  const calls: [number, number][] = [];
  const read: ReadRange = async function* (start, end) {
    calls.push([start, end]);
    for (let at = start, k = 0; at < end; k++) {
      const next = Math.min(end, at + pieceSizes[k % pieceSizes.length]);
      yield data.subarray(at, next);
      at = next;
    }
  };
  return { read, calls };
}

async function scanAll(data: Uint8Array, chunkSize: number, read: ReadRange) {
  const results = [];
  for (let start = 0; start < data.length; start += chunkSize) {
    results.push(
      await scanRange(read, {
        start,
        end: Math.min(data.length, start + chunkSize),
        size: data.length,
      }),
    );
  }
  return combineChunkResults(results);
}

/** The chunk [start, size) scanned in one go, for comparison. */
function scanChunkFrom(data: Buffer, start: number) {
  const state = createScanState({ start, end: data.length });
  scanSlice(state, data.subarray(start), start > 0 ? data[start - 1] : undefined);
  return finishScan(state);
}

async function generated(bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of generateNumbers({
    bytes,
    seed: 4,
    negative: true,
    maxDigits: 30,
    separators: 'mixed',
  }).stream)
    parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('scanRange', () => {
  it('equals the whole-file scan for any chunking, reading odd-sized pieces', async () => {
    const data = await generated(20_000);
    const whole = scanBuffer(data);
    const { read } = memoryReader(data);
    for (const size of [1, 2, 3, 10, 99, 1024, 7777, 20_000, 50_000]) {
      expect([size, await scanAll(data, size, read)]).toEqual([size, whole]);
    }
  });

  it('equals the whole-file scan with errors and a BOM', async () => {
    const data = Buffer.from('\uFEFF1 2\n3 4\n\n5 6 -7x 8\n', 'utf8');
    const whole = scanBuffer(data);
    expect(whole.error).toBe('invalid token "-7x" at byte 16 (line 4)');
    const { read } = memoryReader(data, [1, 2]);
    for (let size = 1; size <= data.length; size++)
      expect([size, await scanAll(data, size, read)]).toEqual([size, whole]);
  });

  it('reads the byte before start, and nothing past end when the last token ends inside', async () => {
    const data = Buffer.from('11 22 33 44', 'latin1');
    const { read, calls } = memoryReader(data);
    const result = await scanRange(read, { start: 3, end: 6, size: data.length });
    expect(result).toMatchObject({ sum: '22', count: 1 });
    expect(calls).toEqual([[2, 6]]);
  });

  it('reads past end only until the last token is finished', async () => {
    const long = '2'.repeat(150_000);
    const data = Buffer.from(`1 ${long} 3 4`, 'latin1');
    const { read, calls } = memoryReader(data, [65_536]);
    const result = await scanRange(read, { start: 0, end: 3, size: data.length });
    expect(result).toMatchObject({ sum: long, evenCount: 1, count: 2 });
    // [0, 3), then windows of 64 KiB, 128 KiB, … until the one holding the separator after
    // the long token (here the second, cut at the end of the file).
    expect(calls).toEqual([
      [0, 3],
      [3, 3 + 65_536],
      [3 + 65_536, data.length],
    ]);
  });

  it('reads one more window when a token ends exactly at end', async () => {
    const data = Buffer.from('12 34', 'latin1');
    const { read, calls } = memoryReader(data);
    expect(await scanRange(read, { start: 0, end: 2, size: data.length })).toMatchObject({
      sum: '12',
      count: 1,
    });
    expect(calls).toEqual([
      [0, 2],
      [2, 5],
    ]);
  });

  it('gathers small read pieces into parts of 4 MiB, scanned separately and joined', async () => {
    const data = await generated(9 * MiB + 500);
    const { read } = memoryReader(data, [16_384, 65_536, 1000]);
    const sliceSizes: number[] = [];
    const spy = async (state: ScanState, bytes: Uint8Array, prevByte: number | undefined) => {
      sliceSizes.push(bytes.length);
      return { state, done: scanSlice(state, bytes, prevByte) };
    };
    const result = await scanRange(read, { start: 1, end: data.length, size: data.length }, spy);
    expect(result).toEqual(scanChunkFrom(data, 1));
    // Parts, plus the next part's first bytes whenever a part ends inside a token.
    const parts = sliceSizes.filter((n) => n > 256);
    expect(parts).toEqual([4 * MiB, 4 * MiB, data.length - 1 - 8 * MiB]);
    expect(sliceSizes.filter((n) => n <= 256).every((n) => n === 256)).toBe(true);
  });

  it('finishes a part whose last token runs past the next part head by reading on', async () => {
    const long = '4'.repeat(3000);
    // The long token starts 2 bytes before the first part ends (at 4 MiB).
    const data = Buffer.from('1 '.repeat(2 * MiB - 1) + long + ' 5 6', 'latin1');
    const { read, calls } = memoryReader(data, [65_536]);
    const result = await scanRange(read, { start: 0, end: data.length, size: data.length });
    expect(result).toEqual(scanChunkFrom(data, 0));
    expect(calls.slice(1)).toEqual([[4 * MiB + 256, data.length]]);
  });

  it('scans an empty range and an empty file to nothing without reading', async () => {
    const { read, calls } = memoryReader(Buffer.alloc(0));
    expect(await scanRange(read, { start: 0, end: 0, size: 0 })).toEqual({
      sum: '0',
      evenCount: 0,
      count: 0,
      newlines: 0,
    });
    expect(calls).toEqual([]);
  });

  it('scans a large piece in this thread 1 MiB at a time, letting the event loop run', async () => {
    const data = await generated(24 * MiB);
    const read: ReadRange = async function* (start, end) {
      yield data.subarray(start, end); // one huge piece, as a memory-backed store could give
    };
    // Before the spy: scanBuffer calls scanSlice through the module's exports too.
    const whole = scanBuffer(data);
    const slices = jest.spyOn(scanner, 'scanSlice');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const progress: number[] = [];
    try {
      const result = await scanRange(
        read,
        { start: 0, end: data.length, size: data.length },
        undefined,
        (n) => progress.push(n),
      );
      expect(result.sum).toBe(whole.sum);
      expect(Math.max(...slices.mock.calls.map(([, bytes]) => bytes.length))).toBe(MiB);
    } finally {
      clearInterval(ticker);
      slices.mockRestore();
    }
    expect(ticks).toBeGreaterThan(0);
    expect(progress).toEqual([8 * MiB, 16 * MiB, 24 * MiB]);
  });
});
