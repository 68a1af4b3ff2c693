import { addUnits } from './decimal-limbs';
import { addDecimal, DecimalText, limbsToDecimal, limbsToDecimalBytes } from './decimal-text';
import { recycleDecimalBytes } from './bytes-pool';
import { ScanState } from './scan-state';

/**
 * The Number accumulator `lo` stays exact by this rule (used inline by the fast path too): it
 * only takes values below 10^15 in magnitude, so while |lo| <= FLUSH_ABOVE = 2^53 - 10^15,
 * lo + v is below 2^53 in magnitude and therefore exact. Once |lo| exceeds FLUSH_ABOVE, the
 * multiple of 2^32 in it moves to `hi` (lo % 2^32 and (lo - r) / 2^32 are exact on integers
 * below 2^53), leaving |lo| < 2^32. `hi` grows by less than 2^21 per flush and stays exact far
 * beyond any file: 2^53 units of 2^32 is 2^85, more than 5 GB of 15-digit numbers can sum to.
 */
export const FLUSH_ABOVE = 2 ** 53 - 1e15;
export const TWO_POW_32 = 4294967296;

/** Adds a value below 10^15 in magnitude to the state's exact Number pair. */
export function addSmall(st: ScanState, value: number): void {
  let lo = st.lo + value;
  if (lo > FLUSH_ABOVE || lo < -FLUSH_ABOVE) {
    const r = lo % TWO_POW_32;
    st.hi += (lo - r) / TWO_POW_32;
    lo = r;
  }
  st.lo = lo;
}

/**
 * Sums of more digits than this come as bytes from stateSum(st, 'bytes'): a string that long
 * costs fresh memory at every step (V8 and Node copy it), bytes go to Redis as they are.
 */
export const LONG_SUM_DIGITS = 1 << 16;

/**
 * The state's exact sum as a decimal string, or with `longAs` 'bytes' and more than
 * LONG_SUM_DIGITS digits, as its bytes (limbsToDecimalBytes: the caller's until recycled). Moves
 * e15, hi and lo into the limbs (zeroing them, so a second call gives the same answer) rather
 * than adding them to a copy: copying the limbs of a million-digit sum cost as much as writing
 * its digits.
 */
export function stateSum(st: ScanState, longAs: 'string' | 'bytes' = 'string'): DecimalText {
  // hi * 2^32 + lo is below 2^86: BigInt is quick at that size; the limbs may be millions of digits.
  st.big = addUnits(st.big, 1, st.e15);
  st.e15 = 0;
  st.big = addDecimal(st.big, (BigInt(st.hi) * BigInt(TWO_POW_32) + BigInt(st.lo)).toString());
  st.hi = 0;
  st.lo = 0;
  // 15 digits a limb: more than LONG_SUM_DIGITS / 15 limbs (the top one may be 0) is long.
  if (longAs === 'bytes' && st.big.length * 15 > LONG_SUM_DIGITS) {
    const bytes = limbsToDecimalBytes(st.big);
    if (bytes.length > LONG_SUM_DIGITS) return bytes;
    const text = bytes.toString('latin1');
    recycleDecimalBytes(bytes);
    return text;
  }
  return limbsToDecimal(st.big);
}
