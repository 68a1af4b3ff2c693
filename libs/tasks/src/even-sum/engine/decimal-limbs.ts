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
const { imul } = Math;

/**
 * An empty number[] whose elements are doubles from the start. Limbs and groups are doubles
 * (up to 10^15); an array created as [] holds small integers first and changes its map when the
 * first double arrives, and code optimised for one map deoptimises on the other.
 */
export function doubleArray(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

/**
 * A copy of `values` as doubleArray() holds them. Arrays of doubles come out of structured clone
 * (worker threads) holding boxed numbers: every store into one allocates, and code optimised for
 * double arrays deoptimises on it ("wrong map"). Cheaper to copy once at the thread boundary.
 */
export function toDoubleArray(values: readonly number[]): number[] {
  const a = doubleArray();
  for (let k = 0; k < values.length; k++) a.push(values[k]);
  return a;
}

/**
 * Grows `limbs` to `length` zeros first: one tight loop, where growing inside addAt (one push
 * per new limb, amid the carry logic) cost several times more on million-digit tokens.
 */
function reserve(limbs: number[], length: number): void {
  while (limbs.length < length) limbs.push(0);
}

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
  addDigitsOfView(
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
  limbs: number[],
  view: DataView,
  from: number,
  to: number,
  negative: boolean,
): void {
  const sign = negative ? -1 : 1;
  reserve(limbs, Math.ceil((to - from) / GROUP));
  let j = 0;
  let end = to;
  for (; end - from >= GROUP; end -= GROUP, j++) {
    const g = group15(view, end - GROUP);
    if (g !== 0) addAt(limbs, j, sign * g);
  }
  if (end > from) {
    let g = 0;
    for (let k = from; k < end; k++) g = g * 10 + (view.getUint8(k) - 48);
    if (g !== 0) addAt(limbs, j, sign * g);
  }
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
  addLimbs(limbs, groupsToLimbs(groups.slice(), lastDigits, negative));
}

/**
 * Turns `groups` (as addDigitGroups takes them) into the limbs of the number they spell, negated
 * when `negative`, in place: the array is reversed, then limb j = the high p digits of group j
 * and the low 15 − p digits of group j + 1 (p = lastDigits), each group split once, by divMod.
 * Returns the same array. In place, because a million-digit token's groups are the size of its
 * limbs and allocating a second array of that size cost as much as the whole conversion.
 */
export function groupsToLimbs(groups: number[], lastDigits: number, negative: boolean): number[] {
  const g = groups.reverse();
  const m = g.length;
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

/** Adds the limbs `other` (any array of limbs, as this module keeps them) to `limbs`. */
export function addLimbs(limbs: number[], other: readonly number[]): void {
  reserve(limbs, other.length);
  for (let j = 0; j < other.length; j++) if (other[j] !== 0) addAt(limbs, j, other[j]);
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  addDigitsOfView(limbs, view, negative ? 1 : 0, bytes.length, negative);
}

/** The value of `limbs` as a decimal string ("0", "123", "-45"); `limbs` is left unchanged. */
export function limbsToDecimal(limbs: readonly number[]): string {
  const v = limbs;
  let top = limbs.length - 1;
  while (top >= 0 && v[top] === 0) top--;
  if (top < 0) return '0';
  // The most significant nonzero limb gives the sign (|the rest| < its unit). Borrowing makes
  // every limb agree with it, so the digits can be written limb by limb. A first pass finds the
  // top limb after borrowing (it can become 0); the second borrows again as it writes: no array
  // of magnitudes, which cost a large allocation (and its collection) per million-digit sum.
  const sign = v[top] > 0 ? 1 : -1;
  let borrow = 0;
  let magTop = 0;
  let head = 0;
  for (let j = 0; j <= top; j++) {
    const t = sign * v[j] - borrow;
    borrow = t < 0 ? 1 : 0;
    const mag = t + borrow * BASE;
    if (mag !== 0) {
      magTop = j;
      head = mag;
    }
  }
  top = magTop;
  borrow = 0;
  // Digits written into one buffer from the end, four at a time from a table, in 32-bit integer
  // arithmetic (a limb split below 10^8 and above): String() and padStart per limb took 8 times
  // longer, pairs of digits twice as long as quads. The 3-digit head of a limb goes out as a quad
  // with a leading '0' one byte early; that byte belongs to the next limb (or the head, or the
  // sign), which is written after it.
  const headDigits = String(head);
  const neg = sign < 0 ? 1 : 0;
  const out = Buffer.allocUnsafe(neg + headDigits.length + GROUP * top);
  const dv = new DataView(out.buffer, out.byteOffset, out.length);
  let at = out.length;
  for (let j = 0; j < top; j++) {
    let t = sign * v[j] - borrow;
    borrow = 0;
    if (t < 0) {
      t += BASE;
      borrow = 1;
    }
    const highHalf = divFloor(t, 1e8); // 7 digits
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
  if (neg) out[0] = 45;
  out.write(headDigits, neg, 'latin1');
  return out.toString('latin1');
}
