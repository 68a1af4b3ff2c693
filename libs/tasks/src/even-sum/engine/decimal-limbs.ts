import { takeLimbs } from './limbs-pool';

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
 * Limbs live in a Float64Array, not a number[]: a number[] of a million-digit number is a large
 * V8 heap object, and growing one (push) or creating one cost ~25 ns per element on our VMs
 * (fresh large-object pages each time), 20 times a Float64Array's; a typed array also crosses to
 * a worker thread by transfer instead of a clone. The functions that may grow the limbs return
 * them (the same array, or a larger copy): use the result. The last element is always 0, room
 * for a carry: a carry chain stops there at the latest (it can only make it ±1), and an array
 * whose last element became nonzero is grown before the function returns.
 *
 * This file holds the limbs, their arithmetic and the reading of ASCII digits into them (which
 * adds group by group: it stays beside addAt); decimal-text.ts converts decimal strings and
 * bytes to and from limbs.
 */
const BASE = 1e15;
const GROUP = 15;
// Bound once: inside a vm context (jest) every global lookup goes through an interceptor.
const { imul, floor } = Math;

/** The limbs of 0: one element, the spare 0 on top. */
export function emptyLimbs(): Float64Array {
  return new Float64Array(1);
}

/**
 * `limbs`, or a copy grown (to twice its length at least) so that indexes below `length` exist
 * and one more element stays 0 above them. New elements are 0.
 */
export function withRoom(limbs: Float64Array, length: number): Float64Array {
  if (limbs.length > length) return limbs;
  const grown = takeLimbs(Math.max(length + 1, 2 * limbs.length));
  grown.set(limbs);
  return grown;
}

/** Restores the spare 0 on top after a carry reached it. */
function keepSpare(limbs: Float64Array): Float64Array {
  return limbs[limbs.length - 1] === 0 ? limbs : withRoom(limbs, limbs.length);
}

/**
 * Adds `signed` (|signed| < 10^15) units to limb j < limbs.length − 1 and propagates the carry;
 * the spare 0 on top ends any chain.
 */
function addAt(limbs: Float64Array, j: number, signed: number): void {
  let carry = signed;
  while (carry !== 0) {
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
export function addUnits(limbs: Float64Array, j: number, value: number): Float64Array {
  const low = value % BASE;
  const high = (value - low) / BASE; // below 9.01 in magnitude
  let out = withRoom(limbs, j + 2);
  if (low !== 0) addAt(out, j, low);
  out = keepSpare(out);
  if (high !== 0) addAt(out, j + 1, high);
  return keepSpare(out);
}

/** Adds (or subtracts, `negative`) the decimal digits bytes[from, to) (ASCII '0'..'9' only) to `limbs`. */
export function addDigitBytes(
  limbs: Float64Array,
  bytes: Uint8Array,
  from: number,
  to: number,
  negative: boolean,
): Float64Array {
  return addDigitsOfView(
    limbs,
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    from,
    to,
    negative,
  );
}

/**
 * addDigitBytes on a DataView: whole 15-digit groups from the least significant end, each read
 * as four 32-bit words (group15), the remaining 1..14 leading digits byte by byte. Reads only
 * bytes inside [from, to).
 */
export function addDigitsOfView(
  limbs: Float64Array,
  view: DataView,
  from: number,
  to: number,
  negative: boolean,
): Float64Array {
  const sign = negative ? -1 : 1;
  const out = withRoom(limbs, Math.ceil((to - from) / GROUP));
  let j = 0;
  let end = to;
  for (; end - from >= GROUP; end -= GROUP, j++) {
    const g = group15(view, end - GROUP);
    if (g !== 0) addAt(out, j, sign * g);
  }
  if (end > from) {
    let g = 0;
    for (let k = from; k < end; k++) g = g * 10 + (view.getUint8(k) - 48);
    if (g !== 0) addAt(out, j, sign * g);
  }
  return keepSpare(out);
}

/**
 * The value of the 4 ASCII digits of a little-endian word minus 0x30303030 (first digit in the
 * low byte): pairs d0d1 and d2d3 in one multiply, then the two pairs. A zero low byte reads as a
 * leading 0.
 */
function quad(x: number): number {
  const y = (imul(x, 10) + (x >>> 8)) & 0x00ff00ff;
  return imul(y & 0xff, 100) + (y >>> 16);
}

/**
 * The value of the 15 ASCII digits at view[at, at + 15), which the caller has checked are
 * digits: three words, then the word at at + 11 with its first byte (digit 11, already read)
 * masked to a leading zero. Exact: below 10^15.
 */
export function group15(view: DataView, at: number): number {
  const a = quad(view.getUint32(at, true) ^ 0x30303030);
  const b = quad(view.getUint32(at + 4, true) ^ 0x30303030);
  const c = quad(view.getUint32(at + 8, true) ^ 0x30303030);
  const d = quad((view.getUint32(at + 11, true) ^ 0x30303030) & 0xffffff00);
  return ((a * 1e4 + b) * 1e4 + c) * 1e3 + d;
}

/**
 * Turns the first `count` elements of `groups` into the limbs of the number they spell, negated
 * when `negative`, in place, and returns the same array. The groups are 15-digit groups from the
 * most significant end: groups 0..count−2 hold 15 digits each, group count−1 the last
 * `lastDigits` (1..15); this is how a token is read before its end (and so its alignment) is
 * known. Elements from `count` on must be 0 and one at least must exist (the spare of limbs).
 * The array is reversed, then limb j = the high p digits of group j and the low 15 − p digits of
 * group j + 1 (p = lastDigits), each group split once, by divMod. In place, because a
 * million-digit token's groups are the size of its limbs: a second array cost as much as the
 * whole conversion.
 */
export function groupsToLimbs(
  groups: Float64Array,
  count: number,
  lastDigits: number,
  negative: boolean,
): Float64Array {
  const g = groups;
  const m = count;
  g.subarray(0, m).reverse();
  const sign = negative ? -1 : 1;
  if (lastDigits === GROUP) {
    if (negative) for (let j = 0; j < m; j++) g[j] = -g[j];
    return g;
  }
  const p = lastDigits;
  const up = 10 ** p;
  const split = 10 ** (GROUP - p);
  let high = g[0];
  for (let j = 0; j < m; j++) {
    let low = 0;
    let nextHigh = 0;
    if (j + 1 < m) {
      const x = g[j + 1];
      nextHigh = divFloor(x, split);
      low = x - nextHigh * split;
    }
    g[j] = sign * (low * up + high);
    high = nextHigh;
  }
  return g;
}

/** Adds the first `count` limbs of `other` (limbs as this module keeps them) to `limbs`. */
export function addLimbs(limbs: Float64Array, other: Float64Array, count: number): Float64Array {
  const out = withRoom(limbs, count);
  for (let j = 0; j < count; j++) if (other[j] !== 0) addAt(out, j, other[j]);
  return keepSpare(out);
}

/**
 * ⌊x / d⌋ for integers 0 <= x < 2^53, 0 < d: the rounded quotient, corrected by one where
 * rounding crossed an integer. Many times faster than x % d, which V8 computes by a C call.
 */
function divFloor(x: number, d: number): number {
  let q = floor(x / d);
  const r = x - q * d;
  if (r < 0) q--;
  else if (r >= d) q++;
  return q;
}
