import { emptyLimbs } from './decimal-limbs';
import { addDecimal, limbsToDecimal, limbsToDecimalBytes } from './decimal-text';
import { recycleDecimalBytes } from './bytes-pool';
import { joinChunkResults } from './join-chunk-results';
import { ReadRange, scanRange } from './scan-range';
import { prng } from '../../../../../test/support/fuzz';

function randomDigits(next: () => number, length: number): string {
  let s = String(1 + Math.floor(next() * 9));
  for (let k = 1; k < length; k++) s += String(Math.floor(next() * 10));
  return s;
}

function reader(data: Buffer): ReadRange {
  return async function* (start, end) {
    for (let at = start; at < end; at += 65536) yield data.subarray(at, Math.min(end, at + 65536));
  };
}

// The worker keeps a sum of millions of digits as bytes up to Redis (no string of that length is
// made): the bytes must spell exactly the string the string path writes.
describe('long sums as bytes', () => {
  it('limbsToDecimalBytes spells what limbsToDecimal writes, through recycled buffers', () => {
    const next = prng(12);
    // Longest first: later, shorter numbers land in a recycled buffer full of older digits.
    for (const length of [200_000, 70_000, 31, 15, 1]) {
      for (const sign of ['', '-']) {
        const limbs = addDecimal(emptyLimbs(), sign + randomDigits(next, length));
        const bytes = limbsToDecimalBytes(limbs);
        expect(bytes.toString('latin1') === limbsToDecimal(limbs)).toBe(true);
        recycleDecimalBytes(bytes);
      }
    }
    const zero = limbsToDecimalBytes(emptyLimbs());
    expect(zero.toString('latin1')).toBe('0');
    recycleDecimalBytes(zero);
  });

  it('scanRange gives a long sum as bytes when asked, the same digits as the string', async () => {
    const next = prng(5);
    // One run of 5 M digits across two 4 MiB parts (the second part skips its tail).
    const run = Buffer.from(`${randomDigits(next, 5_000_000 - 2)}8\n`, 'latin1');
    const range = { start: 0, end: run.length, size: run.length };
    const asString = await scanRange(reader(run), range);
    const asBytes = await scanRange(reader(run), range, undefined, undefined, {
      longSums: 'bytes',
    });
    expect(typeof asString.sum).toBe('string');
    expect(Buffer.isBuffer(asBytes.sum)).toBe(true);
    expect(asBytes.sum.toString('latin1') === asString.sum).toBe(true);
    expect(asString.sum === run.toString('latin1', 0, run.length - 1)).toBe(true);
    expect({ ...asBytes, sum: '' }).toEqual({ ...asString, sum: '' });
  });

  it('scanRange keeps short sums as strings, and joins two long ones exactly', async () => {
    const next = prng(6);
    const a = randomDigits(next, 99_999) + '2';
    const b = randomDigits(next, 79_999) + '4';
    const filler = '12 -40 7\n'.repeat(500_000); // 4.5 MB: b starts in the second part
    const data = Buffer.from(`-${a}\n${filler}${b}\n3\n`, 'latin1');
    const range = { start: 0, end: data.length, size: data.length };
    const asString = await scanRange(reader(data), range);
    const asBytes = await scanRange(reader(data), range, undefined, undefined, {
      longSums: 'bytes',
    });
    const want = (BigInt(b) - BigInt(a) - 28n * 500_000n).toString();
    expect(asString.sum === want).toBe(true);
    expect(asBytes.sum.toString('latin1') === want).toBe(true);
    const small = Buffer.from('12 -40 7\n', 'latin1');
    const short = await scanRange(
      reader(small),
      { start: 0, end: 9, size: 9 },
      undefined,
      undefined,
      {
        longSums: 'bytes',
      },
    );
    expect(short.sum).toBe('-28');
  });

  it('joinChunkResults adds sums given as bytes and as strings', () => {
    const next = prng(8);
    const a = randomDigits(next, 80_000);
    const b = randomDigits(next, 70_000);
    const result = (sum: string | Buffer) => ({ sum, evenCount: 1, count: 1, newlines: 0 });
    const sut = joinChunkResults([
      result(Buffer.from(a, 'latin1')),
      result('0'),
      result(`-${b}`),
      result(Buffer.from(`-${a}`, 'latin1')),
      result('5'),
    ]);
    expect(sut.sum === (5n - BigInt(b)).toString()).toBe(true);
    const alone = joinChunkResults([result('0'), result(Buffer.from(a, 'latin1')), result('0')]);
    expect(alone.sum.toString('latin1') === a).toBe(true);
  });
});
