import { Readable } from 'node:stream';

export interface GenerateNumbersOptions {
  /** Exact size of the output; it ends in "\n" (padded with newlines). */
  bytes: number;
  seed?: number;
  /** Ordinary numbers are uniform below 10^min(maxDigits, 10); above 20, one in 512 has 21..maxDigits digits. */
  maxDigits?: number;
  /** One number in four negative, one in 64 with an explicit '+'. */
  negative?: boolean;
  /** 'mixed': spaces, tabs, commas, CRLF and blank lines, and now and then leading zeros. */
  separators?: 'newline' | 'mixed';
}

export interface ExpectedEvenSum {
  sum: string;
  evenCount: number;
  count: number;
}

const BLOCK = 1 << 20;
const MAX_DIGITS = 4096;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];
/** n in 0..9999 as four ASCII digits, little endian (the first digit in the low byte). */
const DIGIT_WORDS = Uint32Array.from(
  { length: 10000 },
  (_, n) =>
    [3, 2, 1, 0].reduce(
      (word, k) => word | ((48 + (Math.floor(n / 10 ** k) % 10)) << (8 * (3 - k))),
      0,
    ) >>> 0,
);

/**
 * A seeded stream of random integers for tests and benchmarks, and the answer, computed on the
 * side while generating (it resolves once the stream has been read to its end).
 */
export function generateNumbers(opts: GenerateNumbersOptions): {
  stream: Readable;
  expected: Promise<ExpectedEvenSum>;
} {
  const total = opts.bytes;
  if (!Number.isSafeInteger(total) || total < 0)
    throw new RangeError(`invalid byte count ${total}`);
  const writer = new NumberWriter(opts);
  let resolve!: (value: ExpectedEvenSum) => void;
  const expected = new Promise<ExpectedEvenSum>((r) => (resolve = r));

  function* blocks(): Generator<Buffer> {
    // Numbers start before `limit`, which leaves room for the last one and a final newline;
    // they run across blocks (the overflow is carried over) and newlines pad the end.
    const limit = total - writer.stepMax - 1;
    let carry = Buffer.alloc(0);
    for (let emitted = 0; emitted < total;) {
      const size = Math.min(BLOCK, total - emitted);
      const buf = Buffer.allocUnsafe(BLOCK + writer.stepMax);
      let p = carry.copy(buf);
      p = writer.fill(buf, p, Math.min(size, limit - emitted));
      if (p < size) buf.fill(10, p, size);
      carry = p > size ? Buffer.from(buf.subarray(size, p)) : Buffer.alloc(0);
      emitted += size;
      yield buf.subarray(0, size);
    }
    resolve(writer.result());
  }

  return { stream: Readable.from(blocks(), { objectMode: false }), expected };
}

/**
 * Writes random numbers and keeps the answer, independently of the scanner: every ordinary
 * number is drawn as a value (hi * 10^4 + lo), then written, and its parity comes from lo. A
 * fill's values of <= 10 digits sum exactly in a Number (each takes a byte per digit plus a
 * separator, so a 1 MiB fill stays below 10^15 < 2^53); long numbers go through BigInt.
 */
class NumberWriter {
  /** The most bytes one number can take: sign, leading zeros, digits, separator run. */
  readonly stepMax: number;
  private readonly maxDigits: number;
  private readonly mixed: boolean;
  private readonly negative: boolean;
  private seed: number;
  private sum = 0n;
  private evenCount = 0;
  private count = 0;

  constructor(opts: GenerateNumbersOptions) {
    this.maxDigits = Math.max(1, Math.min(opts.maxDigits ?? 10, MAX_DIGITS));
    this.mixed = opts.separators === 'mixed';
    this.negative = opts.negative ?? false;
    this.seed = (opts.seed ?? 1) | 0 || 0x1e3779b9;
    this.stepMax = Math.max(this.maxDigits, 10) + 12;
  }

  result(): ExpectedEvenSum {
    return { sum: this.sum.toString(), evenCount: this.evenCount, count: this.count };
  }

  /** Writes numbers and separators from p while p < stop; returns the end (at most stop + stepMax). */
  fill(buf: Buffer, p: number, stop: number): number {
    const { maxDigits, mixed, negative } = this;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let small = 0;
    let evenCount = 0;
    let count = 0;
    while (p < stop) {
      const signRoll = negative ? this.next() & 63 : 63;
      const neg = signRoll < 16;
      if (neg) buf[p++] = 45;
      else if (signRoll === 16) buf[p++] = 43;
      if (mixed && (this.next() & 31) === 0)
        for (let z = this.next() & 3; z >= 0; z--) buf[p++] = 48;
      count++;
      if (maxDigits > 20 && (this.next() & 511) === 0) {
        const start = p;
        const digits = 21 + (this.next() % (maxDigits - 20));
        buf[p++] = 49 + (this.next() % 9);
        for (let k = 1; k < digits; k++) buf[p++] = 48 + (this.next() % 10);
        if ((buf[p - 1] & 1) === 0) {
          evenCount++;
          const value = BigInt(buf.toString('latin1', start, p));
          this.sum += neg ? -value : value;
        }
      } else {
        // Uniform values below 10^min(maxDigits, 10), like any random integers: mostly full
        // width (90% have every digit, 9% one fewer, ...). The value is hi * 10^4 + lo.
        let hi: number;
        let lo: number;
        if (maxDigits >= 10) {
          hi = this.next() % 1000000;
          lo = this.next() % 10000;
        } else {
          const value = this.next() % POW10[maxDigits];
          hi = (value / 10000) | 0;
          lo = value - hi * 10000;
        }
        if (hi >= 100000) {
          // Ten digits, four per store from a table: the two-digit head, then 4 + 4.
          const head = (hi / 10000) | 0;
          const headWord = DIGIT_WORDS[head];
          buf[p] = (headWord >>> 16) & 0xff;
          buf[p + 1] = headWord >>> 24;
          view.setUint32(p + 2, DIGIT_WORDS[hi - head * 10000], true);
          view.setUint32(p + 6, DIGIT_WORDS[lo], true);
          p += 10;
        } else {
          p = writeDecimal(buf, p, hi * 10000 + lo);
        }
        if ((lo & 1) === 0) {
          evenCount++;
          const value = hi * 10000 + lo;
          small += neg ? -value : value;
        }
      }
      p = mixed ? this.writeMixedSeparator(buf, p) : ((buf[p] = 10), p + 1);
    }
    this.sum += BigInt(small);
    this.evenCount += evenCount;
    this.count += count;
    return p;
  }

  private writeMixedSeparator(buf: Buffer, p: number): number {
    switch (this.next() & 7) {
      case 0:
        buf[p++] = 13;
        buf[p++] = 10;
        return p;
      case 1:
        buf[p++] = 44;
        return p;
      case 2:
        buf[p++] = 44;
        buf[p++] = 32;
        return p;
      case 3:
        buf[p++] = 9;
        return p;
      case 4:
        for (let k = this.next() % 3; k >= 0; k--) buf[p++] = 32;
        return p;
      case 5:
        buf[p++] = 10;
        buf[p++] = 10;
        return p;
      default:
        buf[p++] = 10;
        return p;
    }
  }

  /**
   * xorshift32 (fast, seedable, random enough for test data), returned as 31 bits: an unsigned
   * 32-bit value above 2^31 is a double in V8, and % on doubles is a slow library call.
   */
  private next(): number {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s;
    return s & 0x7fffffff;
  }
}

/** Writes a non-negative int32 in decimal without leading zeros; returns the new end. */
function writeDecimal(buf: Buffer, p: number, value: number): number {
  let len = 1;
  for (let t = value; t >= 10; t = (t / 10) | 0) len++;
  const end = p + len;
  for (let q = end; q > p;) {
    const d = (value / 10) | 0;
    buf[--q] = 48 + value - d * 10;
    value = d;
  }
  return end;
}
