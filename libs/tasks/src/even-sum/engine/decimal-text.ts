import { takeBytesBuffer } from './bytes-pool';
import { addDigitsOfView } from './decimal-limbs';

// Decimal integers as text (strings, or latin1 bytes for sums of millions of digits) converted to
// and from decimal limbs (decimal-limbs.ts).

// decimal-limbs.ts' limb unit and digits per limb. Module-local, as there: the print loop reads
// them per limb, and an imported binding is a property read (a getter call under tsx) each time;
// the digit layout of printLimbs (a limb as 7 + 8 digits) is written for 15 digits anyway.
const BASE = 1e15;
const GROUP = 15;

/** QUADS[n] = the 4 ASCII digits of n (0..9999, zero-padded), first digit in the low byte. */
const QUADS = Uint32Array.from(
  { length: 10000 },
  (_, n) =>
    (48 + Math.floor(n / 1000)) |
    ((48 + (Math.floor(n / 100) % 10)) << 8) |
    ((48 + (Math.floor(n / 10) % 10)) << 16) |
    ((48 + (n % 10)) << 24),
);
// Bound once: inside a vm context (jest) every global lookup goes through an interceptor.
const { floor } = Math;

/**
 * A decimal integer as limbsToDecimal writes it ("0", "123", "-45"): a string, or the bytes of
 * one (latin1) where a sum may run to millions of digits (limbsToDecimalBytes).
 */
export type DecimalText = string | Buffer;

/** Adds a decimal integer (optional leading '-', as limbsToDecimal writes it) to `limbs`. */
export function addDecimal(limbs: Float64Array, decimal: DecimalText): Float64Array {
  const bytes = typeof decimal === 'string' ? Buffer.from(decimal, 'latin1') : decimal;
  const negative = bytes[0] === 45;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return addDigitsOfView(limbs, view, negative ? 1 : 0, bytes.length, negative);
}

/** The value of `limbs` as a decimal string ("0", "123", "-45"); `limbs` is left unchanged. */
export function limbsToDecimal(limbs: Float64Array): string {
  const length = printLength(limbs);
  const out = printScratch(length);
  return out.toString('latin1', printLimbs(limbs, out), length);
}

/**
 * The value of `limbs` as the bytes of its decimal string (latin1), in a buffer of the caller's
 * until it hands it back to recycleDecimalBytes: no string of millions of characters is made (V8
 * and Node put each in fresh memory, a page fault per 4 KiB), and a recycled buffer is reused.
 */
export function limbsToDecimalBytes(limbs: Float64Array): Buffer {
  const length = printLength(limbs);
  const out = takeBytesBuffer(length);
  return out.subarray(printLimbs(limbs, out), length);
}

/** Room printLimbs needs: a byte for a '-' and 15 digits per limb up to the top nonzero one. */
function printLength(limbs: Float64Array): number {
  let top = limbs.length - 1;
  while (top >= 0 && limbs[top] === 0) top--;
  return 1 + GROUP * Math.max(1, top + 1);
}

/**
 * Writes the decimal string of `limbs` into out[first, printLength(limbs)) and returns first.
 */
function printLimbs(limbs: Float64Array, out: Buffer): number {
  const v = limbs;
  let top = limbs.length - 1;
  while (top >= 0 && v[top] === 0) top--;
  if (top < 0) {
    out[GROUP] = 48;
    return GROUP;
  }
  // The most significant nonzero limb gives the sign (|the rest| < its unit). Borrowing makes
  // every limb agree with it, so the digits can be written limb by limb, each as 15 digits, in
  // one pass from the least significant end; the top limb (which borrowing may bring down to 0)
  // leaves up to 29 leading zeros, skipped at the end. Byte 0 is for a '-'.
  const sign = v[top] > 0 ? 1 : -1;
  const length = 1 + GROUP * (top + 1);
  const dv = new DataView(out.buffer, out.byteOffset, length);
  // Four digits at a time from a table, in 32-bit integer arithmetic (a limb split below 10^8
  // and above): String() and padStart per limb took 8 times longer, pairs of digits twice as
  // long as quads. The 3-digit head of a limb goes out as a quad with a leading '0' one byte
  // early; that byte belongs to the next limb (or to byte 0), written after it.
  let at = length;
  let borrow = 0;
  for (let j = 0; j <= top; j++) {
    let t = sign * v[j] - borrow;
    borrow = 0;
    if (t < 0) {
      t += BASE;
      borrow = 1;
    }
    // t < 10^15: t / 10^8 is at least 10^-8 from the next integer, far more than its rounding
    // error, so Math.floor is exact here (no divFloor correction).
    const highHalf = floor(t / 1e8); // 7 digits
    const low = (t - highHalf * 1e8) | 0; // 8 digits
    const lowHigh = (low / 1e4) | 0;
    const high = highHalf | 0;
    const highHigh = (high / 1e4) | 0;
    at -= GROUP;
    dv.setUint32(at + 11, QUADS[low - lowHigh * 1e4], true);
    dv.setUint32(at + 7, QUADS[lowHigh], true);
    dv.setUint32(at + 3, QUADS[high - highHigh * 1e4], true);
    dv.setUint32(at - 1, QUADS[highHigh], true);
  }
  // The value is not 0 (its top limb outweighs the rest): a digit other than '0' comes.
  let first = 1;
  while (out[first] === 48) first++;
  if (sign < 0) out[--first] = 45;
  return first;
}

// limbsToDecimal writes into this buffer, kept for the next call (up to KEEP_PRINT_BYTES): a
// fresh buffer per call cost a page fault per 4 KiB on our VMs (~1500 for a 6-million-digit
// sum), slower than writing the digits, and far slower when other work loads the machine.
const KEEP_PRINT_BYTES = 16 << 20;
let printBuffer = Buffer.allocUnsafe(0);

/** A buffer of at least `length` bytes for limbsToDecimal: the kept one, or a new one. */
function printScratch(length: number): Buffer {
  if (length <= printBuffer.length) return printBuffer;
  const out = Buffer.allocUnsafeSlow(length);
  if (length <= KEEP_PRINT_BYTES) printBuffer = out;
  return out;
}
