/** mulberry32: a tiny seeded PRNG, so a failing fuzz case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;

export const int = (rand: Rand, min: number, max: number) =>
  min + Math.floor(rand() * (max - min + 1));
export const pick = <T>(rand: Rand, items: readonly T[]): T =>
  items[int(rand, 0, items.length - 1)];

export function randomBytes(rand: Rand, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = int(rand, 0, 255);
  return out;
}

/** A copy of `png` with `flips` random bytes XORed with a random non-zero mask. */
export function flipBytes(rand: Rand, png: Buffer, flips: number): Buffer {
  const out = Buffer.from(png);
  for (let i = 0; i < flips; i++) out[int(rand, 0, out.length - 1)] ^= int(rand, 1, 255);
  return out;
}

const SEPARATORS = [' ', '\t', '\n', '\r\n', ','];
// Each is refused by the even-sum input format (README): the task must end errored.
export const BAD_TOKENS = ['x', '12a', '1.5', '1e3', '--1', '-', '+-2', '\0', '\xff', '0x10'];

/**
 * Integers in the README's format (signs, leading zeros, long numbers, runs of mixed separators)
 * and the exact sum of the even ones; with `bad`, one token the format refuses is inserted.
 */
export function numbersText(
  rand: Rand,
  count: number,
  bad?: string,
): { text: Buffer; sum: bigint } {
  const parts: string[] = [];
  let sum = 0n;
  if (rand() < 0.3) parts.push(pick(rand, SEPARATORS));
  const badAt = bad === undefined ? -1 : int(rand, 0, count);
  for (let i = 0; i <= count; i++) {
    if (i === badAt) parts.push(bad!, pick(rand, SEPARATORS));
    if (i === count) break;
    const sign = pick(rand, ['', '', '', '-', '+']);
    const digits = Array.from({ length: int(rand, 1, rand() < 0.1 ? 40 : 6) }, () =>
      int(rand, 0, 9),
    ).join('');
    parts.push(sign + digits);
    const value = BigInt(digits);
    if (value % 2n === 0n) sum += sign === '-' ? -value : value;
    parts.push(Array.from({ length: int(rand, 1, 3) }, () => pick(rand, SEPARATORS)).join(''));
  }
  return { text: Buffer.from(parts.join(''), 'latin1'), sum };
}
