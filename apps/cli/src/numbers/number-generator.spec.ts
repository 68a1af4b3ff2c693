import { generateNumbers, GenerateNumbersOptions } from './number-generator';
import { scanBuffer } from '../../../../test/support/scan-buffer';

async function run(opts: GenerateNumbersOptions) {
  const { stream, expected } = generateNumbers(opts);
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return { data: Buffer.concat(parts), expected: await expected };
}

describe('generateNumbers', () => {
  it.each([0, 1, 2, 23, 1000, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17])(
    'writes exactly %i bytes ending in a newline',
    async (bytes) => {
      const { data } = await run({
        bytes,
        seed: 5,
        maxDigits: 30,
        negative: true,
        separators: 'mixed',
      });
      expect(data.length).toBe(bytes);
      if (bytes > 0) expect(data[bytes - 1]).toBe(10);
    },
  );

  it.each([
    ['defaults', { bytes: 2_000_000 }],
    [
      'negatives, long numbers, mixed separators',
      { bytes: 2_000_000, seed: 3, negative: true, maxDigits: 45, separators: 'mixed' },
    ],
    ['short numbers', { bytes: 100_000, seed: 8, maxDigits: 3 }],
  ] as const)('computes the answer the scanner finds: %s', async (_name, opts) => {
    const { data, expected } = await run(opts);
    expect(expected.count).toBeGreaterThan(1000);
    expect(scanBuffer(data)).toEqual(expected);
  });

  it('produces what it promises: negatives, a plus, long numbers, commas, CRLF', async () => {
    const { data, expected } = await run({
      bytes: 500_000,
      seed: 2,
      negative: true,
      maxDigits: 30,
      separators: 'mixed',
    });
    const text = data.toString('latin1');
    expect(text).toMatch(/(^|[\s,])-\d/);
    expect(text).toMatch(/(^|[\s,])\+\d/);
    expect(text).toMatch(/\d{21,30}/);
    expect(text).toMatch(/,/);
    expect(text).toMatch(/\r\n/);
    expect(BigInt(expected.sum)).not.toBe(0n);
  });

  it('writes plain lines of mostly 10-digit numbers by default', async () => {
    const { data } = await run({ bytes: 100_000, seed: 4 });
    const lines = data
      .toString('latin1')
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.every((l) => /^[1-9]\d{0,9}$|^0$/.test(l))).toBe(true);
    expect(lines.filter((l) => l.length === 10).length / lines.length).toBeGreaterThan(0.8);
  });

  it('repeats itself for a seed and differs across seeds', async () => {
    const a = await run({ bytes: 10_000, seed: 7 });
    const b = await run({ bytes: 10_000, seed: 7 });
    const c = await run({ bytes: 10_000, seed: 8 });
    expect(a.data.equals(b.data)).toBe(true);
    expect(a.data.equals(c.data)).toBe(false);
  });
});
