import { addDigitGroups } from './decimal-limbs';
import { addSmall } from './exact-sum';
import { BAD_TOKEN_BYTES } from './invalid-token';
import { PHASE_DONE, ScanState } from './scan-state';

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

function clearDigits(st: ScanState): void {
  st.tokGroups = [];
  st.tokPart = 0;
  st.tokPartDigits = 0;
  st.tokHead = '';
}

function digitCount(st: ScanState): number {
  return st.tokGroups.length * 15 + st.tokPartDigits;
}

/**
 * The slow path, one token at a time: the fast path hands over tokens it cannot finish
 * (cut by the end of a slice, or not a number). Consumes bytes
 * `b[i..n)` of the open token (b[0] is at absolute offset `base`) up to, not including, the
 * separator that ends it; returns the index reached (n while the token stays open).
 */
export function continueToken(
  st: ScanState,
  b: Uint8Array,
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
      let j = i + 1;
      while (j < n && isDigit(b[j])) j++;
      foldDigits(st, b, i, j);
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

/** Appends the digits b[i, j) to the open token's 15-digit groups: O(1) per digit, no strings. */
function foldDigits(st: ScanState, b: Uint8Array, i: number, j: number): void {
  let part = st.tokPart;
  let partDigits = st.tokPartDigits;
  // Top up the partial group first; then whole groups in a loop without checks; then the rest.
  while (partDigits !== 0 && i < j) {
    part = part * 10 + (b[i++] - 48);
    if (++partDigits === 15) {
      st.tokGroups.push(part);
      part = 0;
      partDigits = 0;
    }
  }
  for (; j - i >= 15; i += 15) {
    let g = 0;
    for (let k = i; k < i + 15; k++) g = g * 10 + (b[k] - 48);
    st.tokGroups.push(g);
  }
  for (; i < j; i++, partDigits++) part = part * 10 + (b[i] - 48);
  st.tokPart = part;
  st.tokPartDigits = partDigits;
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
    const groups = st.tokGroups;
    if (st.tokPartDigits > 0) groups.push(st.tokPart);
    if (groups[groups.length - 1] % 2 === 0) {
      st.evenCount++;
      const sign = st.tokSign < 0 ? -1 : 1;
      if (digits <= 15) addSmall(st, sign * groups[0]);
      else addDigitGroups(st.big, groups, st.tokPartDigits || 15, sign < 0);
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
