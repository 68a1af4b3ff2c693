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
  st.tokDigits = '';
  st.tokBad = false;
}

/**
 * The slow path, one token at a time: the fast path hands over tokens it cannot finish
 * (longer than 15 digits, cut by the end of a slice, or not a number). Consumes bytes
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
      st.tokDigits += Buffer.from(b.buffer, b.byteOffset + i, j - i).toString('latin1');
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

/** Ends the open token (a separator or EOF follows): counts it, or records it as the error. */
export function endToken(st: ScanState): void {
  if (st.tokStart < 0) return;
  if (st.tokBad) {
    st.tokStart = -1;
    st.phase = PHASE_DONE;
    return;
  }
  const digits = st.tokDigits;
  if (digits.length === 0) {
    // A lone sign is not a number; an empty token only arises right after a BOM.
    if (st.tokSign !== 0) {
      markBad(st, '');
      st.tokStart = -1;
      st.phase = PHASE_DONE;
      return;
    }
  } else {
    st.count++;
    if ((digits.charCodeAt(digits.length - 1) & 1) === 0) {
      st.evenCount++;
      const sign = st.tokSign < 0 ? -1 : 1;
      if (digits.length <= 15) addSmall(st, sign * Number(digits));
      else st.bigSum = (BigInt(st.bigSum) + BigInt(sign) * BigInt(digits)).toString();
    }
  }
  st.tokStart = -1;
  st.tokDigits = '';
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
  st.errText = (sign + st.tokDigits.slice(0, BAD_TOKEN_BYTES) + more).slice(0, BAD_TOKEN_BYTES);
  st.errTruncated = st.tokDigits.length + more.length + sign.length > BAD_TOKEN_BYTES;
  st.tokDigits = '';
}
