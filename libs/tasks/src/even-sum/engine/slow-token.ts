import { addLimbs, emptyLimbs, groupsToLimbs, withRoom } from './decimal-limbs';
import { recycleLimbs } from './limbs-pool';
import { addSmall } from './exact-sum';
import { BAD_TOKEN_BYTES } from './invalid-token';
import { PHASE_DONE, ScanState } from './scan-state';

// Bound once: inside a vm context (jest) every global lookup such as `Math` is intercepted.
const { imul } = Math;

/** Separator bytes: \t \n \v \f \r, space and comma. */
export function isSeparator(c: number): boolean {
  return c === 32 || c === 44 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Opens a token at absolute offset `start` for the slow path. */
export function openToken(st: ScanState, start: number): void {
  st.tokStart = start;
  st.tokSign = 0;
  clearDigits(st);
  st.tokBad = false;
}

/** Forgets the open token's digits; its groups array (zeroed) serves the next token. */
function clearDigits(st: ScanState): void {
  st.tokGroups.fill(0, 0, st.tokGroupCount);
  st.tokGroupCount = 0;
  st.tokPart = 0;
  st.tokPartDigits = 0;
  st.tokHead = '';
}

function digitCount(st: ScanState): number {
  return st.tokGroupCount * 15 + st.tokPartDigits;
}

/**
 * The slow path, one token at a time: the fast path hands over tokens it cannot finish
 * (cut by the end of a slice, or not a number). Consumes bytes
 * `b[i..n)` of the open token (b[0] is at absolute offset `base`) up to, not including, the
 * separator that ends it; returns the index reached (n while the token stays open). `view`
 * reads the same bytes, followed by at least 8 zero bytes (as for fastScan).
 */
export function continueToken(
  st: ScanState,
  b: Uint8Array,
  view: DataView,
  base: number,
  i: number,
  n: number,
): number {
  while (i < n) {
    const c = b[i];
    if (isSeparator(c)) {
      endToken(st);
      return i;
    }
    if (st.tokBad) {
      // Keep the bad token's text for the message, then stop: what follows is never read.
      if (st.errText.length >= BAD_TOKEN_BYTES) {
        st.errTruncated = true;
        st.tokStart = -1;
        st.phase = PHASE_DONE;
        return i;
      }
      st.errText += String.fromCharCode(c);
      i++;
    } else if (isDigit(c)) {
      const j = foldDigits(st, b, view, i, n);
      if (st.tokHead.length < BAD_TOKEN_BYTES) {
        const take = Math.min(j - i, BAD_TOKEN_BYTES - st.tokHead.length);
        st.tokHead += Buffer.from(b.buffer, b.byteOffset + i, take).toString('latin1');
      }
      i = j;
    } else if ((c === 45 || c === 43) && base + i === st.tokStart) {
      st.tokSign = 44 - c;
      i++;
    } else {
      markBad(st, String.fromCharCode(c));
      i++;
    }
  }
  return n;
}

/** Bit 7 of each byte of x = word ^ 0x30303030 whose byte is not an ASCII digit (fastScan's test). */
function nonDigits(x: number): number {
  return (((x & 0x7f7f7f7f) + 0x76767676) | x) & 0x80808080;
}

/** The value of four digits (a word minus 0x30303030, first digit in the low byte); see group15. */
function quad(x: number): number {
  const y = (imul(x, 10) + (x >>> 8)) & 0x00ff00ff;
  return imul(y & 0xff, 100) + (y >>> 16);
}

/** withRoom for the open token's groups, which nothing else holds: the old array is reused. */
function grown(groups: Float64Array, length: number): Float64Array {
  const out = withRoom(groups, length);
  if (out !== groups) recycleLimbs(groups);
  return out;
}

/**
 * Appends the run of digits starting at b[i] (before n) to the open token's 15-digit groups and
 * returns where the run ends: O(1) per digit, no strings. Whole groups are read as four words
 * each (decimal-limbs' group15), each word checked before the next is read, so no read passes
 * the zero padding after n. The groups array doubles when full (keeping its spare 0 on top).
 */
function foldDigits(st: ScanState, b: Uint8Array, view: DataView, i: number, n: number): number {
  let part = st.tokPart;
  let partDigits = st.tokPartDigits;
  let groups = st.tokGroups;
  let count = st.tokGroupCount;
  // Top up the partial group first; then whole groups; then the rest (fewer than 15 digits).
  while (partDigits !== 0 && i < n && isDigit(b[i])) {
    part = part * 10 + (b[i++] - 48);
    if (++partDigits === 15) {
      groups = grown(groups, count + 1);
      groups[count++] = part;
      part = 0;
      partDigits = 0;
    }
  }
  if (partDigits === 0) {
    for (;;) {
      const room = groups.length - 1 - count;
      const j = foldGroups(groups, count, view, i, room);
      const folded = (j - i) / 15;
      count += folded;
      i = j;
      if (folded < room) break;
      groups = grown(groups, 2 * groups.length);
    }
    for (; i < n && isDigit(b[i]); i++, partDigits++) part = part * 10 + (b[i] - 48);
  }
  st.tokGroups = groups;
  st.tokGroupCount = count;
  st.tokPart = part;
  st.tokPartDigits = partDigits;
  return i;
}

/**
 * Writes whole 15-digit groups from view[i] on into groups[at..], at most `room` of them, while
 * they last; returns where it stopped. A function of its own: a long run spends nearly all its
 * time in this loop, and the rarer paths of foldDigits deoptimised it (insufficient type
 * feedback) once per slice.
 */
function foldGroups(
  groups: Float64Array,
  at: number,
  view: DataView,
  i: number,
  room: number,
): number {
  for (const stop = at + room; at < stop; at++) {
    const x0 = view.getUint32(i, true) ^ 0x30303030;
    if (nonDigits(x0) !== 0) return i;
    const x1 = view.getUint32(i + 4, true) ^ 0x30303030;
    if (nonDigits(x1) !== 0) return i;
    const x2 = view.getUint32(i + 8, true) ^ 0x30303030;
    if (nonDigits(x2) !== 0) return i;
    // Bytes 11..14: byte 11 was checked in x2 and is masked off as a leading zero.
    const x3 = (view.getUint32(i + 11, true) ^ 0x30303030) & 0xffffff00;
    if (nonDigits(x3) !== 0) return i;
    groups[at] = ((quad(x0) * 1e4 + quad(x1)) * 1e4 + quad(x2)) * 1e3 + quad(x3);
    i += 15;
  }
  return i;
}

/** Ends the open token (a separator or EOF follows): counts it, or records it as the error. */
export function endToken(st: ScanState): void {
  if (st.tokStart < 0) return;
  if (st.tokBad) {
    st.tokStart = -1;
    st.phase = PHASE_DONE;
    return;
  }
  const digits = digitCount(st);
  if (digits === 0) {
    // A lone sign is not a number; an empty token only arises right after a BOM.
    if (st.tokSign !== 0) {
      markBad(st, '');
      st.tokStart = -1;
      st.phase = PHASE_DONE;
      return;
    }
  } else {
    st.count++;
    // The last group ends in the token's last digit, and 10 is even: the token's parity is its.
    let groups = st.tokGroups;
    let count = st.tokGroupCount;
    if (st.tokPartDigits > 0) {
      groups = st.tokGroups = withRoom(groups, count + 1);
      groups[count++] = st.tokPart;
      st.tokGroupCount = count;
    }
    if (groups[count - 1] % 2 === 0) {
      st.evenCount++;
      const sign = st.tokSign < 0 ? -1 : 1;
      if (digits <= 15) addSmall(st, sign * groups[0]);
      else {
        // The groups become the token's limbs in place; a chunk's first long token hands them
        // over as the sum (the token gets a new array), with no second array.
        const limbs = groupsToLimbs(groups, count, st.tokPartDigits || 15, sign < 0);
        if (st.big.length === 1) {
          st.big = limbs;
          st.tokGroups = emptyLimbs();
          st.tokGroupCount = 0;
        } else st.big = addLimbs(st.big, limbs, count);
      }
    }
  }
  st.tokStart = -1;
  clearDigits(st);
}

/**
 * Marks the open token bad: the error names its start, and its line counts the newlines before
 * it (all counted already, since a token holds none). `more` is the offending byte(s).
 */
export function markBad(st: ScanState, more: string): void {
  const sign = st.tokSign === 0 ? '' : st.tokSign < 0 ? '-' : '+';
  st.tokBad = true;
  st.errOffset = st.tokStart;
  st.errLine = 1 + st.newlines;
  st.errText = (sign + st.tokHead + more).slice(0, BAD_TOKEN_BYTES);
  st.errTruncated = digitCount(st) + more.length + sign.length > BAD_TOKEN_BYTES;
  clearDigits(st);
}
