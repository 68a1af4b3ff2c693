/**
 * Exact signed integers of any size as decimal limbs, in time linear in their digits.
 *
 * Why not BigInt: V8 converts between decimal strings and BigInt in superlinear time (a
 * 6-million-digit string takes seconds each way), and a scan that added a long token as
 * BigInt(sum) + BigInt(token) → string paid that per token. Decimal limbs need no conversion:
 * a token's digits are read 15 at a time straight into limbs.
 *
 * Limb j counts units of 10^(15·j), least significant first. Limbs may have mixed signs; each
 * stays in (−10^15, 10^15), so limb + group + carry is below 2^53 in magnitude and exact. A carry
 * out of a limb resets it near 0, and the next carry out of that limb needs ~10^15 more units:
 * adding a token of d digits costs O(d) amortised.
 *
 * Values are plain number[] so that the scan state holding them survives structured clone and
 * JSON. (Cloning one costs ~0.3 µs per element: scanRange keeps a long token's tail out of
 * worker-thread round trips for that reason.)
 */
const BASE = 1e15;
const GROUP = 15;
/** "00" "01" … "99" as ASCII bytes. */
const PAIRS = Uint8Array.from(
  { length: 200 },
  (_, k) => 48 + (k % 2 === 0 ? Math.floor(k / 20) : (k >> 1) % 10),
);

/** Adds `signed` units to limb j and propagates the carry. */
function addAt(limbs: number[], j: number, signed: number): void {
  let carry = signed;
  while (carry !== 0) {
    while (j >= limbs.length) limbs.push(0);
    let t = limbs[j] + carry;
    carry = 0;
    if (t >= BASE) {
      t -= BASE;
      carry = 1;
    } else if (t <= -BASE) {
      t += BASE;
      carry = -1;
    }
    limbs[j] = t;
    j++;
  }
}

/** Adds `value` units of 10^(15·j) to `limbs`; any integer below 2^53 in magnitude. */
export function addUnits(limbs: number[], j: number, value: number): void {
  const low = value % BASE;
  if (low !== 0) addAt(limbs, j, low);
  const high = (value - low) / BASE;
  if (high !== 0) addAt(limbs, j + 1, high);
}

/** Adds (or subtracts, `negative`) the decimal digits bytes[from, to) (ASCII '0'..'9' only) to `limbs`. */
export function addDigitBytes(
  limbs: number[],
  bytes: Uint8Array,
  from: number,
  to: number,
  negative: boolean,
): void {
  const sign = negative ? -1 : 1;
  let j = 0;
  for (let end = to; end > from; end -= GROUP, j++) {
    const start = Math.max(from, end - GROUP);
    let g = 0;
    for (let k = start; k < end; k++) g = g * 10 + (bytes[k] - 48);
    if (g !== 0) addAt(limbs, j, sign * g);
  }
}

/**
 * Adds (or subtracts, `negative`) a number given as its 15-digit groups from the most
 * significant end: groups 0..m−2 hold 15 digits each, group m−1 the last `lastDigits` (1..15).
 * This is how a token is read digit by digit before its end (and so its alignment) is known;
 * the groups are realigned to limbs from the least significant end in O(m).
 */
export function addDigitGroups(
  limbs: number[],
  groups: readonly number[],
  lastDigits: number,
  negative: boolean,
): void {
  const m = groups.length;
  const g = groups;
  const sign = negative ? -1 : 1;
  if (lastDigits === GROUP) {
    for (let j = 0; j < m; j++) if (g[m - 1 - j] !== 0) addAt(limbs, j, sign * g[m - 1 - j]);
    return;
  }
  // Limb j = the low (15 − p) digits of group m−2−j, then the high p digits of group m−1−j
  // (all of the partial last group for j = 0). Each group is split once, by divMod.
  const p = lastDigits;
  const up = 10 ** p;
  const split = 10 ** (GROUP - p);
  let high = g[m - 1];
  for (let j = 0; j < m; j++) {
    let low = 0;
    let nextHigh = 0;
    if (m - 2 - j >= 0) {
      const x = g[m - 2 - j];
      nextHigh = divFloor(x, split);
      low = x - nextHigh * split;
    }
    const limb = low * up + high;
    if (limb !== 0) addAt(limbs, j, sign * limb);
    high = nextHigh;
  }
}

/**
 * ⌊x / d⌋ for integers 0 <= x < 2^53, 0 < d: the rounded quotient, corrected by one where
 * rounding crossed an integer. Many times faster than x % d, which V8 computes by a C call.
 */
function divFloor(x: number, d: number): number {
  let q = Math.floor(x / d);
  const r = x - q * d;
  if (r < 0) q--;
  else if (r >= d) q++;
  return q;
}

/** Adds a decimal integer string (optional leading '-', as limbsToDecimal writes) to `limbs`. */
export function addDecimal(limbs: number[], decimal: string): void {
  const bytes = Buffer.from(decimal, 'latin1');
  const negative = bytes[0] === 45;
  addDigitBytes(limbs, bytes, negative ? 1 : 0, bytes.length, negative);
}

/** The value of `limbs` as a decimal string ("0", "123", "-45"); `limbs` is left unchanged. */
export function limbsToDecimal(limbs: readonly number[]): string {
  const v = limbs;
  let top = limbs.length - 1;
  while (top >= 0 && v[top] === 0) top--;
  if (top < 0) return '0';
  // The most significant nonzero limb gives the sign (|the rest| < its unit). Borrowing makes
  // every limb agree with it, so the digits can be written limb by limb.
  const sign = v[top] > 0 ? 1 : -1;
  const mag = new Float64Array(top + 1);
  let borrow = 0;
  for (let j = 0; j <= top; j++) {
    let t = sign * v[j] - borrow;
    borrow = 0;
    if (t < 0) {
      t += BASE;
      borrow = 1;
    }
    mag[j] = t;
  }
  while (top > 0 && mag[top] === 0) top--;
  // Digits written into one buffer from the end, two at a time from a table, in 32-bit integer
  // arithmetic (a limb split in halves below 10^8): String() and padStart per limb took 8 times longer.
  const headDigits = String(mag[top]);
  const neg = sign < 0 ? 1 : 0;
  const out = Buffer.alloc(neg + headDigits.length + GROUP * top);
  if (neg) out[0] = 45;
  out.write(headDigits, neg, 'latin1');
  let at = out.length;
  for (let j = 0; j < top; j++) {
    const highHalf = divFloor(mag[j], 1e8);
    let x = (mag[j] - highHalf * 1e8) | 0;
    for (let k = 0; k < 4; k++) {
      const q = (x / 100) | 0;
      const r = (x - q * 100) * 2;
      out[--at] = PAIRS[r + 1];
      out[--at] = PAIRS[r];
      x = q;
    }
    x = highHalf | 0; // 7 digits
    for (let k = 0; k < 3; k++) {
      const q = (x / 100) | 0;
      const r = (x - q * 100) * 2;
      out[--at] = PAIRS[r + 1];
      out[--at] = PAIRS[r];
      x = q;
    }
    out[--at] = 48 + x;
  }
  return out.toString('latin1');
}
