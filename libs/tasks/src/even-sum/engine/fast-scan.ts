import { addDigitsOfView, addUnits } from './decimal-limbs';
import { ScanState } from './scan-state';

// Local copies of exact-sum.ts's FLUSH_ABOVE (2^53 - 10^15) and TWO_POW_32: an imported binding
// compiles to a property load per use (a getter call under esbuild/tsx), in the hottest loop.
const FLUSH_ABOVE = 8007199254740992;
const TWO_POW_32 = 4294967296;
// Bound once: inside a vm context (jest) every global lookup such as `Math` goes through an
// interceptor, which made the loop 50 times slower there.
const { imul, clz32, abs, floor } = Math;

/**
 * The hot loop: whole tokens (optional sign, digits) followed by a separator, read four bytes
 * at a time; values below 10^15 are summed in Numbers, larger ones in decimal limbs.
 *
 * Why words and not bytes: in V8 every typed-array read costs a map check, a bounds check and
 * two loads, so a byte loop tops out near 500 MB/s before doing any work. One DataView word read
 * gives four bytes; SWAR arithmetic classifies and converts them without per-byte branches.
 *
 * `view` covers the slice copied to offset 0 followed by at least 8 zero bytes: a 0 byte is no
 * digit, sign or separator, so every run stops there without a length check, and the token it
 * cuts off goes to the slow path like any other exception.
 *
 * Processes tokens that start before `lim` and returns where it stopped: at or past `lim` when it
 * ran out of token starts, else the start of a token for the slow path (not a number, or running
 * into the end of the slice). Counts and sums land in `st`; the
 * stopped-at token is untouched.
 */
export function fastScan(st: ScanState, view: DataView, from: number, lim: number): number {
  let i = from;
  let lo = st.lo;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  // count + evenCount * 2^21 in one Number, one register fewer: a call covers a piece of at
  // most 2^20 bytes, so fewer than 2^21 tokens.
  let tally = 0;
  let newlines = 0;
  while (i < lim) {
    let w = view.getUint32(i, true);
    // Bytes minus '0': a digit byte becomes 0..9; bit 7 of m marks every other byte (the +0x76
    // carries 10..127 into bit 7, the |x catches 128..255; masking with 0x7f keeps carries
    // from crossing into the next byte).
    let x = w ^ 0x30303030;
    let m = (((x & 0x7f7f7f7f) + 0x76767676) | x) & 0x80808080;
    const tokenStart = i;
    let sign = 1;
    if ((m & 0x80) !== 0) {
      // Not a digit first: a separator, a sign, or something for the slow path.
      const c = w & 0xff;
      if (c === 10) {
        newlines++;
        i++;
        continue;
      }
      if (c === 32 || c === 44 || (c - 9) >>> 0 <= 4) {
        i++;
        continue;
      }
      if (c !== 45 && c !== 43) break;
      sign = 44 - c;
      i++;
      w = view.getUint32(i, true);
      x = w ^ 0x30303030;
      m = (((x & 0x7f7f7f7f) + 0x76767676) | x) & 0x80808080;
      if ((m & 0x80) !== 0) {
        i = tokenStart; // a lone sign, "--1": the slow path names it
        break;
      }
    }
    let v = 0;
    let q = 0;
    // The first full word is peeled off the loop: most tokens have one or two, and the
    // straight-line copy measured ~10% faster than the plain loop.
    if (m === 0) {
      // Four digits d0..d3 (little endian: d0 is the low byte) to d0d1d2d3 in two steps.
      const y = (imul(x, 10) + (x >>> 8)) & 0x00ff00ff;
      q = imul(y & 0xff, 100) + (y >>> 16);
      v = v * 1e4 + q;
      i += 4;
      w = view.getUint32(i, true);
      x = w ^ 0x30303030;
      m = (((x & 0x7f7f7f7f) + 0x76767676) | x) & 0x80808080;
      while (m === 0) {
        const y = (imul(x, 10) + (x >>> 8)) & 0x00ff00ff;
        q = imul(y & 0xff, 100) + (y >>> 16);
        v = v * 1e4 + q;
        i += 4;
        w = view.getUint32(i, true);
        x = w ^ 0x30303030;
        m = (((x & 0x7f7f7f7f) + 0x76767676) | x) & 0x80808080;
      }
    }
    const m7 = m >>> 7;
    const nb = 31 - clz32(m7 & -m7); // bit offset of the first non-digit byte: 0, 8, 16, 24
    if (nb !== 0) {
      // Shifting the k = nb/8 digits to the top leaves zeros in front: the same conversion works.
      const z = x << (32 - nb);
      const y = (imul(z, 10) + (z >>> 8)) & 0x00ff00ff;
      q = imul(y & 0xff, 100) + (y >>> 16);
      const k = nb >>> 3;
      v = v * (imul(imul(405, k) - 1125, k) + 730) + q; // 10^k for k = 1, 2, 3
      i += k;
    }
    const term = (w >>> nb) & 0xff;
    if (!(term === 10 || term === 32 || term === 44 || (term - 9) >>> 0 <= 4)) {
      i = tokenStart;
      break;
    }
    // q ends in the token's last digit, and 10 is even: the token's parity is q's.
    const even = 1 - (q & 1);
    tally += 1 + even * 2097152;
    // v < 10^15 iff the token's value is below 10^15 (then every step computing it was exact,
    // however many leading zeros). Larger values (v inexact, even Infinity) are summed from
    // their digits into decimal limbs: linear in the token, and no slow path for 16+ digits.
    if (v >= 1e15) {
      if (even === 1) {
        const first = bytes[tokenStart];
        const digitsFrom = first === 45 || first === 43 ? tokenStart + 1 : tokenStart;
        if (i - digitsFrom <= 30) {
          // 16..30 digits: the low 15 go to lo like any small value, the rest (below 10^15)
          // to e15, which counts units of 10^15 under the same flush rule.
          lo += sign * digitsValue(view, i - 15, i);
          if (abs(lo) > FLUSH_ABOVE) {
            const r = lo % TWO_POW_32;
            st.hi += (lo - r) / TWO_POW_32;
            lo = r;
          }
          let e15 = st.e15 + sign * digitsValue(view, digitsFrom, i - 15);
          if (abs(e15) > FLUSH_ABOVE) {
            st.big = addUnits(st.big, 1, e15);
            e15 = 0;
          }
          st.e15 = e15;
        } else {
          st.big = addDigitsOfView(st.big, view, digitsFrom, i, sign < 0);
        }
      }
    } else {
      lo += sign * even * v;
      // The flush rule of exact-sum.ts, inline.
      if (abs(lo) > FLUSH_ABOVE) {
        const r = lo % TWO_POW_32;
        st.hi += (lo - r) / TWO_POW_32;
        lo = r;
      }
    }
    // The separator after the token is consumed here: one word read per token saved.
    if (term === 10) newlines++;
    i++;
  }
  // Only the last token can run past lim; a '\n' after it is past the range and not ours.
  if (i > lim && view.getUint8(i - 1) === 10) newlines--;
  st.lo = lo;
  const evenCount = floor(tally / 2097152);
  st.count += tally - evenCount * 2097152;
  st.evenCount += evenCount;
  st.newlines += newlines;
  return i;
}

/**
 * The value of the ASCII digits [from, to) of the view: at most 15 of them, so exact. Four at a
 * time with fastScan's word conversion: first the 1..4 leading ones (a word shifted so that only
 * they remain, behind zeros), then whole words. No byte loop: 16..30-digit tokens cost about
 * what shorter ones do.
 */
function digitsValue(view: DataView, from: number, to: number): number {
  const head = ((to - from - 1) & 3) + 1;
  const z = (view.getUint32(from, true) ^ 0x30303030) << (32 - 8 * head);
  let y = (imul(z, 10) + (z >>> 8)) & 0x00ff00ff;
  let v = imul(y & 0xff, 100) + (y >>> 16);
  for (let k = from + head; k < to; k += 4) {
    const x = view.getUint32(k, true) ^ 0x30303030;
    y = (imul(x, 10) + (x >>> 8)) & 0x00ff00ff;
    v = v * 1e4 + imul(y & 0xff, 100) + (y >>> 16);
  }
  return v;
}
