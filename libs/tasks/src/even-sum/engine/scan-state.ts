import { doubleArray, toDoubleArray } from './decimal-limbs';

/**
 * Where a chunk scan stands between two slices. Plain numbers, strings, booleans and arrays of
 * numbers only, so it survives structured clone (worker_threads) and JSON unchanged.
 */
export interface ScanState {
  /** The chunk's byte range [start, end) in the file: it owns every token that starts inside. */
  start: number;
  end: number;
  /** Absolute offset of the next byte the scan expects. */
  pos: number;
  /** One of the PHASE_* values. */
  phase: number;
  /** How many bytes of the UTF-8 BOM matched so far (chunk at 0 only). */
  bomMatched: number;
  /** The sum is big + e15 * 10^15 + hi * 2^32 + lo: lo is an exact Number, hi counts 2^32 units. */
  lo: number;
  hi: number;
  /** Units of 10^15 from tokens of 16..30 digits, exact by the same rule as lo (then moved to big). */
  e15: number;
  /**
   * Sum of the tokens of 10^15 or more, as decimal limbs (decimal-limbs.ts): linear in a
   * token's digits, where BigInt ↔ decimal string conversions are not.
   */
  big: number[];
  count: number;
  evenCount: number;
  /** '\n' bytes in [start, pos), up to the first bad token. */
  newlines: number;
  /** The token that the slow path holds open (across slices, or not a number); -1: none. */
  tokStart: number;
  /** 0: no sign, 1: '+', -1: '-'. */
  tokSign: number;
  /**
   * The open token's digits, folded as they arrive (O(1) each, whatever the token's length):
   * full 15-digit groups from its start, then the value of the partial group and its digit count.
   */
  tokGroups: number[];
  tokPart: number;
  tokPartDigits: number;
  /** Its first BAD_TOKEN_BYTES digits, for the error message should the token turn out bad. */
  tokHead: string;
  tokBad: boolean;
  /** First bad token: offset -1 when none; text is its raw bytes as latin1, capped. */
  errOffset: number;
  errLine: number;
  errText: string;
  errTruncated: boolean;
}

/** Before the first slice: prevByte decides between SCAN and SKIP (BOM for the chunk at 0). */
export const PHASE_INIT = 0;
/** The chunk at 0 matches a UTF-8 BOM first. */
export const PHASE_BOM = 1;
/** Skipping the tail of a token that started in the previous chunk. */
export const PHASE_SKIP = 2;
/** Between tokens: the fast path runs. */
export const PHASE_SCAN = 3;
/** Inside a token the slow path holds open. */
export const PHASE_TOKEN = 4;
/** Finished: passed end and the last token, or hit a bad token. */
export const PHASE_DONE = 5;

/** A fresh state for the chunk [start, end); an empty range owns nothing and is done at once. */
export function createScanState(range: { start: number; end: number }): ScanState {
  if (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0) {
    throw new RangeError(`invalid scan range [${range.start}, ${range.end})`);
  }
  return {
    start: range.start,
    end: range.end,
    pos: range.start,
    phase: range.end > range.start ? PHASE_INIT : PHASE_DONE,
    bomMatched: 0,
    lo: 0,
    hi: 0,
    e15: 0,
    big: doubleArray(),
    count: 0,
    evenCount: 0,
    newlines: 0,
    tokStart: -1,
    tokSign: 0,
    tokGroups: doubleArray(),
    tokPart: 0,
    tokPartDigits: 0,
    tokHead: '',
    tokBad: false,
    errOffset: -1,
    errLine: 0,
    errText: '',
    errTruncated: false,
  };
}

/**
 * The state as it arrives from another thread (structured clone) made fit for the scan again:
 * its arrays of limbs and digit groups copied into double arrays (see toDoubleArray).
 */
export function adoptScanState(st: ScanState): ScanState {
  if (st.big.length > 0) st.big = toDoubleArray(st.big);
  if (st.tokGroups.length > 0) st.tokGroups = toDoubleArray(st.tokGroups);
  return st;
}
