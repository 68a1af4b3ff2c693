import { combineChunkResults } from './combine-chunk-results';
import { ChunkScanResult, createScanState, finishScan, scanSlice } from './even-sum.scanner';
import {
  generateNumbers,
  GenerateNumbersOptions,
} from '../../../../../apps/cli/src/numbers/number-generator';
import { scanBuffer } from '../../../../../test/support/scan-buffer';
import { scanStateFromJson, ScanStateJson, scanStateToJson } from './scan-state';

/** The obviously correct answer: split on separators, BigInt every token. Valid input only. */
function reference(text: string): { sum: string; evenCount: number; count: number } {
  let sum = 0n;
  let evenCount = 0;
  let count = 0;
  for (const token of text.replace(/^\uFEFF/, '').split(/[ \t\n\r\v\f,]+/)) {
    if (token === '') continue;
    const value = BigInt(token);
    count++;
    if (value % 2n === 0n) {
      evenCount++;
      sum += value;
    }
  }
  return { sum: sum.toString(), evenCount, count };
}

/** Scans `bytes` as chunks of `chunkSize`, each fed in slices of `sliceSize`, then combines. */
function scanChunked(
  bytes: Uint8Array,
  chunkSize: number,
  sliceSize = 1 << 20,
): ReturnType<typeof combineChunkResults> {
  const results: ChunkScanResult[] = [];
  for (let start = 0; start < bytes.length; start += chunkSize) {
    const state = createScanState({ start, end: Math.min(bytes.length, start + chunkSize) });
    let done = false;
    for (let at = start; at < bytes.length && !done; at += sliceSize) {
      const prevByte = at === start && start > 0 ? bytes[start - 1] : undefined;
      done = scanSlice(state, bytes.subarray(at, Math.min(bytes.length, at + sliceSize)), prevByte);
    }
    results.push(finishScan(state));
  }
  return combineChunkResults(results);
}

async function generated(opts: GenerateNumbersOptions): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of generateNumbers(opts).stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('scanBuffer', () => {
  it.each([1, 2, 3])(
    'matches the BigInt reference on generated data (seed %i, negatives, long numbers, mixed separators)',
    async (seed) => {
      const data = await generated({
        bytes: 300_000,
        seed,
        negative: true,
        maxDigits: 40,
        separators: 'mixed',
      });
      const want = reference(data.toString('latin1'));
      expect(want.count).toBeGreaterThan(10_000);
      expect(scanBuffer(data)).toEqual(want);
    },
  );

  it('matches the reference on numbers of every length from 1 to 60 digits', () => {
    const tokens: string[] = [];
    for (let len = 1; len <= 60; len++) {
      for (const last of ['0', '4', '7'])
        tokens.push(
          '9'.repeat(len - 1) + last,
          '-' + '8'.repeat(len - 1) + last,
          '+' + '1'.repeat(len - 1) + last,
        );
    }
    const text = tokens.join('\n');
    expect(scanBuffer(bytes(text))).toEqual(reference(text));
  });

  it('sums values beyond 2^64 exactly', () => {
    expect(scanBuffer(bytes('18446744073709551616 36893488147419103232 1'))).toEqual({
      sum: '55340232221128654848',
      evenCount: 2,
      count: 3,
    });
  });

  it('keeps the sum exact across the 2^53 boundary of its Number accumulator', () => {
    const text = '999999999999998\n'.repeat(5000) + '-999999999999998\n'.repeat(1234);
    expect(scanBuffer(bytes(text)).sum).toBe((999999999999998n * 3766n).toString());
  });

  it('sums 16-digit values exactly, where a Number no longer can', () => {
    const values = [
      '9999999999999998',
      '9999999999999996',
      '-9007199254740994',
      '4503599627370498',
    ];
    const text = (values.join('\n') + '\n').repeat(3);
    const want = values.reduce((sum, v) => sum + BigInt(v), 0n) * 3n;
    expect(scanBuffer(bytes(text)).sum).toBe(want.toString());
  });

  it('counts negative even numbers with their sign', () => {
    expect(scanBuffer(bytes('-4 -3 -0 6'))).toEqual({ sum: '2', evenCount: 3, count: 4 });
  });

  it('accepts a leading plus and leading zeros', () => {
    expect(scanBuffer(bytes('+8 0010 -007 +0000000000000000000000000000000012'))).toEqual({
      sum: '30',
      evenCount: 3,
      count: 4,
    });
  });

  it('treats CRLF, tabs, \\v, \\f, commas and runs of them as separators', () => {
    expect(scanBuffer(bytes('2\r\n4,6 ,\t8\v\f10,,12\r\n'))).toEqual({
      sum: '42',
      evenCount: 6,
      count: 6,
    });
  });

  it('reads the last number without a trailing newline', () => {
    expect(scanBuffer(bytes('1\n2\n40'))).toEqual({ sum: '42', evenCount: 2, count: 3 });
  });

  it('ignores a UTF-8 BOM at the start of the file', () => {
    expect(scanBuffer(bytes('\uFEFF12 2'))).toEqual({ sum: '14', evenCount: 2, count: 2 });
    expect(scanBuffer(bytes('\uFEFF'))).toEqual({ sum: '0', evenCount: 0, count: 0 });
    expect(scanBuffer(bytes('\uFEFF\n-2'))).toEqual({ sum: '-2', evenCount: 1, count: 1 });
  });

  it('returns "0" for empty and separator-only input', () => {
    expect(scanBuffer(bytes(''))).toEqual({ sum: '0', evenCount: 0, count: 0 });
    expect(scanBuffer(bytes(' \n\r\n\t,,\v\f '))).toEqual({ sum: '0', evenCount: 0, count: 0 });
  });

  it.each([
    ['letters', '1 2\n3 abc 4', 'abc', 6, 2],
    ['a number with a suffix', '10 12a', '12a', 3, 1],
    ['a decimal point', '2\n4\n1.5\n', '1.5', 4, 3],
    ['an exponent', '1e3', '1e3', 0, 1],
    ['a double sign', '4 --1', '--1', 2, 1],
    ['a lone minus', '1 - 2', '-', 2, 1],
    ['a lone plus at the end', '1\n+', '+', 2, 2],
    ['a sign after digits', '12-3', '12-3', 0, 1],
    ['a BOM after the start', '1 \uFEFF2', '\uFEFF2', 2, 1],
  ])('names the first bad token: %s', (_case, text, token, offset, line) => {
    expect(scanBuffer(bytes(text)).error).toBe(
      `invalid token ${JSON.stringify(token).replace('\uFEFF', '\\ufeff')} at byte ${offset} (line ${line})`,
    );
  });

  it('names a token with a NUL byte, escaped', () => {
    expect(scanBuffer(Buffer.from([0x31, 0x0a, 0x31, 0x32, 0x00, 0x33])).error).toBe(
      'invalid token "12\\u00003" at byte 2 (line 2)',
    );
  });

  it('names a token with an invalid UTF-8 byte, decoded lossily', () => {
    expect(scanBuffer(Buffer.from([0x32, 0x20, 0x34, 0xff, 0x0a])).error).toBe(
      'invalid token "4\uFFFD" at byte 2 (line 1)',
    );
  });

  it('truncates a long bad token to 40 characters', () => {
    const result = scanBuffer(bytes('7 ' + '1'.repeat(30) + 'x'.repeat(100) + ' 8'));
    expect(result.error).toBe(
      `invalid token "${'1'.repeat(30)}${'x'.repeat(10)}…" at byte 2 (line 1)`,
    );
  });

  it('counts only the tokens before the first bad one', () => {
    expect(scanBuffer(bytes('2 4 x 6 y'))).toEqual({
      sum: '6',
      evenCount: 2,
      count: 2,
      error: 'invalid token "x" at byte 4 (line 1)',
    });
  });
});

describe('scanSlice', () => {
  const inputs = [
    '12 -34\n+56,7\r\n\t890 0 -0',
    '\uFEFF4 5\n66',
    '1234567890123456789012345 -98765432109876543210 2',
    '999999999999998 999999999999996 8888888888888888',
    '1 2 3\n4 5x 6',
    '\uFEFF--2',
    '7\n8\n\n9 1.',
  ];

  it.each(inputs)('gives the whole-buffer result for every split into two slices: %j', (text) => {
    const data = bytes(text);
    const whole = scanBuffer(data);
    for (let split = 0; split <= data.length; split++) {
      const state = createScanState({ start: 0, end: data.length });
      if (!scanSlice(state, data.subarray(0, split))) scanSlice(state, data.subarray(split));
      expect([split, combineChunkResults([finishScan(state)])]).toEqual([split, whole]);
    }
  });

  it('returns true once past the end and the last token, and ignores the bytes after', () => {
    const data = bytes('10 20 30 40');
    const state = createScanState({ start: 0, end: 4 }); // owns "10" and "20" (starts at 3)
    expect(scanSlice(state, data.subarray(0, 4))).toBe(false); // "2" might go on
    expect(scanSlice(state, data.subarray(4))).toBe(true);
    expect(finishScan(state)).toEqual({ sum: '30', evenCount: 2, count: 2, newlines: 0 });
  });

  it('skips the tail of a token that began in the previous chunk', () => {
    const data = bytes('123 4');
    const state = createScanState({ start: 1, end: 5 });
    scanSlice(state, data.subarray(1), data[0]);
    expect(finishScan(state)).toMatchObject({ sum: '4', count: 1 });
  });

  it('keeps its state plain: structured clone and JSON carry it between slices', () => {
    // A sum of long tokens and a long token open at the cut: both arrays of the state hold data.
    const data = bytes('11 22 ' + '5'.repeat(33) + '4 ' + '3'.repeat(40) + '4 55');
    const state = createScanState({ start: 0, end: data.length });
    scanSlice(state, data.subarray(0, 60));
    expect(state.tokGroupCount).toBeGreaterThan(0);
    const json = JSON.stringify(scanStateToJson(state));
    const viaJson = scanStateFromJson(JSON.parse(json) as ScanStateJson);
    const viaClone = structuredClone(state);
    // Compared as JSON: structured clone makes typed arrays of another realm than jest's.
    expect(scanStateToJson(viaJson)).toEqual(scanStateToJson(state));
    expect(scanStateToJson(viaClone)).toEqual(scanStateToJson(state));
    expect(ArrayBuffer.isView(viaClone.big) && ArrayBuffer.isView(viaClone.tokGroups)).toBe(true);
    for (const copy of [viaJson, viaClone]) {
      scanSlice(copy, data.subarray(60));
      expect(combineChunkResults([finishScan(copy)])).toEqual(scanBuffer(data));
    }
  });
});

describe('finishScan', () => {
  it('gives the same sum when called twice', () => {
    const data = bytes('8 -4 ' + '9'.repeat(20) + '6 ' + '3'.repeat(50) + '2 1234567890123456 2');
    const state = createScanState({ start: 0, end: data.length });
    scanSlice(state, data);
    const first = finishScan(state);
    expect(first.sum).toBe(scanBuffer(data).sum);
    expect(finishScan(state)).toEqual(first);
  });

  it('ends a pending token at EOF', () => {
    const state = createScanState({ start: 0, end: 3 });
    scanSlice(state, bytes('1 8'));
    expect(finishScan(state)).toEqual({ sum: '8', evenCount: 1, count: 2, newlines: 0 });
  });

  it('reports a partial BOM at EOF as a bad token', () => {
    const state = createScanState({ start: 0, end: 2 });
    scanSlice(state, Buffer.from([0xef, 0xbb]));
    expect(finishScan(state).error).toEqual({ offset: 0, line: 1, token: '\uFFFD' });
  });

  it('gives a chunk-relative line and the newlines before the error', () => {
    const state = createScanState({ start: 0, end: 9 });
    scanSlice(state, bytes('1\n2\n3 4\nz\n5'));
    expect(finishScan(state)).toEqual({
      sum: '6',
      evenCount: 2,
      count: 4,
      newlines: 3,
      error: { offset: 8, line: 4, token: 'z' },
    });
  });
});

describe('combineChunkResults', () => {
  const inputs = [
    '12 -34\n+56,7\r\n\t890 0 -0\n',
    '\uFEFF4 5\n66',
    '\uFEFF\n8',
    '1234567890123456789012345 -98765432109876543210\n2',
    '1\n2\n3\n4 5x 6\n7y',
    'a\n1',
    '1\n22\n333\n4444 -55555.5 666666',
    '1 2 3\n\uFEFF4',
    '8 -',
    '\u00ff\u00fe 2',
  ];

  it.each(inputs)('gives the whole-file result for every chunk size: %j', (text) => {
    const data = bytes(text);
    const whole = scanBuffer(data);
    for (let size = 1; size <= data.length; size++) {
      for (const slice of [1, 3, 1 << 20]) {
        expect([size, slice, scanChunked(data, size, slice)]).toEqual([size, slice, whole]);
      }
    }
  });

  it('gives the whole-file result on generated data for many chunkings', async () => {
    const data = await generated({
      bytes: 50_000,
      seed: 9,
      negative: true,
      maxDigits: 50,
      separators: 'mixed',
    });
    const whole = scanBuffer(data);
    expect(whole).toEqual(reference(data.toString('latin1')));
    for (const size of [1, 2, 3, 5, 8, 13, 64, 333, 4096, 49_999]) {
      expect([size, scanChunked(data, size, 777)]).toEqual([size, whole]);
    }
  });

  it('names a bad token straddling chunk boundaries by its start', () => {
    const data = bytes('10\n20 30x40 50');
    for (const size of [1, 2, 4, 7, 8]) {
      expect(scanChunked(data, size).error).toBe('invalid token "30x40" at byte 6 (line 2)');
    }
  });

  it('makes the line of an error in a later chunk absolute', () => {
    const data = bytes('1\n2\n3\n4\n5\n6\nbad\n7');
    expect(scanChunked(data, 4).error).toBe('invalid token "bad" at byte 12 (line 7)');
  });

  it('takes the first chunk with an error and leaves out the chunks after it', () => {
    const ok: ChunkScanResult = { sum: '10', evenCount: 1, count: 2, newlines: 5 };
    const bad: ChunkScanResult = {
      sum: '4',
      evenCount: 1,
      count: 1,
      newlines: 1,
      error: { offset: 70, line: 2, token: 'q' },
    };
    const later: ChunkScanResult = { ...bad, error: { offset: 90, line: 1, token: 'r' } };
    expect(combineChunkResults([ok, bad, later, ok])).toEqual({
      sum: '14',
      evenCount: 2,
      count: 3,
      error: 'invalid token "q" at byte 70 (line 7)',
    });
  });

  it('adds chunk sums exactly', () => {
    const big: ChunkScanResult = {
      sum: '-99999999999999999999999',
      evenCount: 3,
      count: 4,
      newlines: 0,
    };
    expect(
      combineChunkResults([big, big, { sum: '2', evenCount: 1, count: 1, newlines: 9 }]),
    ).toEqual({
      sum: '-199999999999999999999996',
      evenCount: 7,
      count: 9,
    });
  });
});
