import { emptyLimbs } from './decimal-limbs';

/**
 * Where a chunk scan stands between two slices. Plain numbers, strings, booleans and two
 * Float64Arrays: structured clone (worker_threads) carries it unchanged, and ScanPool transfers
 * the arrays' buffers instead of copying them. JSON carries it through scanStateToJson and
 * scanStateFromJson, which turn the arrays into number[] and back. (The arrays are typed for
 * speed: a number[] of a million-digit token cost ~25 ns per element to grow or create, a typed
 * array ~1; converting at every slice instead would cost that per slice again.)
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
   * Sum of the tokens of 10^15 or more, as decimal limbs (decimal-limbs.ts, last element 0):
   * linear in a token's digits, where BigInt ↔ decimal string conversions are not.
   */
  big: Float64Array;
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
   * full 15-digit groups from its start (the first tokGroupCount elements; the rest, at least
   * one, are 0), then the value of the partial group and its digit count.
   */
  tokGroups: Float64Array;
  tokGroupCount: number;
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
    big: emptyLimbs(),
    count: 0,
    evenCount: 0,
    newlines: 0,
    tokStart: -1,
    tokSign: 0,
    tokGroups: emptyLimbs(),
    tokGroupCount: 0,
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

/** The state as JSON can carry it: its arrays as number[] (big without its zero top limbs). */
export interface ScanStateJson extends Omit<ScanState, 'big' | 'tokGroups'> {
  big: number[];
  tokGroups: number[];
}

/** The state for JSON.stringify; scanStateFromJson turns what JSON.parse gives back into a state. */
export function scanStateToJson(st: ScanState): ScanStateJson {
  let top = st.big.length;
  while (top > 0 && st.big[top - 1] === 0) top--;
  return {
    ...st,
    big: Array.from(st.big.subarray(0, top)),
    tokGroups: Array.from(st.tokGroups.subarray(0, st.tokGroupCount)),
  };
}

/** A state (its own copy) from scanStateToJson's output, after JSON or not. */
export function scanStateFromJson(json: ScanStateJson): ScanState {
  const big = new Float64Array(json.big.length + 1);
  big.set(json.big);
  const tokGroups = new Float64Array(json.tokGroups.length + 1);
  tokGroups.set(json.tokGroups);
  return { ...json, big, tokGroups };
}

/** The distinct buffers of the state's arrays that hold anything: what ScanPool transfers. */
export function scanStateBuffers(st: ScanState): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of [st.big, st.tokGroups]) {
    const buffer = a.buffer;
    if (buffer instanceof ArrayBuffer && buffer.byteLength > 0 && !out.includes(buffer)) {
      out.push(buffer);
    }
  }
  return out;
}
