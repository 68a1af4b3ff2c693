import { combineChunkResults, EvenSumTotal } from './combine-chunk-results';
import { createScanState, finishScan, scanSlice } from './even-sum.scanner';
import { ScanPool } from './scan-pool';
import { ReadRange, scanRange } from './scan-range';
import { prng } from '../../../../../test/support/fuzz';
import { scanBuffer } from '../../../../../test/support/scan-buffer';

/** A token of exactly `digits` digits (the first nonzero unless `zeros` leading zeros are asked for). */
function token(next: () => number, digits: number, sign = '', zeros = 0): string {
  let s = sign + '0'.repeat(zeros) + String(1 + Math.floor(next() * 9));
  for (let k = 1 + zeros; k < digits; k++) s += String(Math.floor(next() * 10));
  return s;
}

/** The answer by BigInt, token by token. */
function expected(text: string): EvenSumTotal {
  let sum = 0n;
  let count = 0;
  let evenCount = 0;
  for (const t of text.split(/[\s,]+/)) {
    if (t === '') continue;
    count++;
    if ((t.charCodeAt(t.length - 1) & 1) === 0) {
      evenCount++;
      sum += BigInt(t);
    }
  }
  return { sum: sum.toString(), count, evenCount };
}

function memoryReader(data: Uint8Array, piece: number): ReadRange {
  return async function* (start, end) {
    for (let at = start; at < end; at += piece) yield data.subarray(at, Math.min(end, at + piece));
  };
}

/** Chunks of `chunk` bytes, each read in pieces of `piece` bytes, joined as the runner does. */
async function scanChunks(
  data: Uint8Array,
  chunk: number,
  piece: number,
  pool?: ScanPool,
): Promise<EvenSumTotal> {
  const results = [];
  for (let start = 0; start < data.length; start += chunk) {
    const range = { start, end: Math.min(data.length, start + chunk), size: data.length };
    results.push(
      await scanRange(memoryReader(data, piece), range, pool && pool.scanSlice.bind(pool)),
    );
  }
  return combineChunkResults(results);
}

/** scanSlice fed `slice` bytes at a time. */
function scanSlices(data: Uint8Array, slice: number): EvenSumTotal {
  const state = createScanState({ start: 0, end: data.length });
  for (let at = 0; at < data.length; at += slice) {
    scanSlice(state, data.subarray(at, Math.min(data.length, at + slice)));
  }
  return combineChunkResults([finishScan(state)]);
}

describe('long tokens', () => {
  const next = prng(12);
  // Every length the fast path splits differently (16..30 digits), the slow one (past 30), and
  // signs and leading zeros; even and odd last digits alike.
  const tokens: string[] = [];
  for (const digits of [15, 16, 17, 19, 20, 29, 30, 31, 45, 100]) {
    for (const sign of ['', '-', '+']) {
      tokens.push(token(next, digits, sign));
      tokens.push(token(next, digits, sign, 3));
    }
  }
  const text = tokens.join('\n') + '\n' + tokens.join(',') + ' ' + tokens.reverse().join('\t');
  const data = Buffer.from(text, 'latin1');
  const want = expected(text);

  it('sums tokens of 15 to 100 digits, signed and with leading zeros, as BigInt does', () => {
    expect(scanBuffer(data)).toEqual(want);
  });

  it('gives the same sum whatever the slice size', () => {
    for (const slice of [1, 2, 3, 7, 16, 17, 31, 64, 1000]) {
      expect(scanSlices(data, slice)).toEqual(want);
    }
  });

  it('gives the same sum whatever the chunk and read-piece sizes', async () => {
    for (const chunk of [1, 5, 16, 19, 20, 33, 101, 4096]) {
      for (const piece of [1, 7, 64]) {
        expect(await scanChunks(data, chunk, piece)).toEqual(want);
      }
    }
  });

  it('sums a value that is a 19-digit number repeated until it carries into the next limbs', () => {
    const text = '9999999999999999998\n'.repeat(5000) + '-' + '9'.repeat(40) + '8\n';
    expect(scanBuffer(Buffer.from(text))).toEqual(expected(text));
  });

  it('folds a run of digits cut by slices at every offset of its 15-digit groups', () => {
    const next = prng(21);
    for (const digits of [14, 15, 16, 29, 30, 31, 44, 45, 46, 61]) {
      const text = `3 ${token(next, digits - 1)}8 -${token(next, digits - 1)}6 ${token(next, digits)}\n`;
      const bytes = Buffer.from(text, 'latin1');
      const want = expected(text);
      for (let slice = 1; slice <= 47; slice++) expect(scanSlices(bytes, slice)).toEqual(want);
    }
  });

  it('skips the tail of a long token, digits or not, in a chunk that starts inside it', async () => {
    const text = `1 ${'7'.repeat(40)}8 2${'5'.repeat(23)}x${'9'.repeat(9)} 4\n`;
    const bytes = Buffer.from(text, 'latin1');
    const whole = scanBuffer(bytes);
    expect(whole.error).toMatch(/^invalid token "2555/);
    for (let chunk = 1; chunk <= bytes.length; chunk++) {
      expect(await scanChunks(bytes, chunk, 5)).toEqual(whole);
    }
  });

  describe('a token of a million digits', () => {
    const big = token(prng(5), 1_000_000) + '4';
    const neg = '-' + token(prng(6), 999_999, '', 2) + '6';
    const text = `12 ${big}\n7 ${neg},${big.slice(0, 999_990)} 8\n`;
    const bytes = Buffer.from(text, 'latin1');
    const answer = expected(text);
    let pool: ScanPool;

    beforeAll(() => (pool = new ScanPool(2)));
    afterAll(() => pool.destroy());

    it('is summed exactly in one buffer and in slices of 1 MiB and of 64 KiB', () => {
      expect(scanBuffer(bytes)).toEqual(answer);
      expect(scanSlices(bytes, 1 << 20)).toEqual(answer);
      expect(scanSlices(bytes, 65_536)).toEqual(answer);
    });

    it('is summed exactly by chunks that start inside it, in this thread and on worker threads', async () => {
      expect(await scanChunks(bytes, 333_333, 65_536)).toEqual(answer);
      expect(await scanChunks(bytes, 1_500_000, 65_536, pool)).toEqual(answer);
    });
  });
});
