import type { DecimalText } from './decimal-text';
import { stateSum } from './exact-sum';
import { displayToken } from './invalid-token';
import { KERNEL_PAD, KERNEL_PIECE, kernelScan, kernelScratch, kernelView } from './scan-kernel';
import {
  createScanState,
  PHASE_BOM,
  PHASE_DONE,
  PHASE_INIT,
  PHASE_SCAN,
  PHASE_SKIP,
  PHASE_TOKEN,
  ScanState,
} from './scan-state';
import { continueToken, endToken, isSeparator, markBad, openToken } from './slow-token';

export { createScanState };
export type { ScanState };

/** One chunk's result; `error.line` is relative to the chunk (1 + newlines before the token in it). */
export interface ChunkScanResult {
  /** A string, or bytes for a long sum when the scan was asked for them (finishScan's `longSums`). */
  sum: DecimalText;
  evenCount: number;
  count: number;
  /** '\n' bytes in [start, end), or up to the bad token. */
  newlines: number;
  error?: { offset: number; line: number; token: string };
}

// Slices are copied into this scratch (a piece at a time) so the fast path can read whole words
// past the data into zero padding, whatever the caller's buffer (pooled, odd offset, shared).
// The scratch is the WebAssembly kernel's memory: the copy is what puts the bytes there.
const PIECE = KERNEL_PIECE;
const PAD = KERNEL_PAD;
const scratch = kernelScratch;
const view = kernelView;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Feeds the next contiguous bytes of the chunk (the first call gets the bytes from range.start
 * and the byte before it, undefined at 0); returns true once the chunk is complete.
 */
export function scanSlice(state: ScanState, bytes: Uint8Array, prevByte?: number): boolean {
  if (state.phase === PHASE_INIT) {
    // Chunk-boundary rule: when the byte before `start` is part of a token, that token started
    // in an earlier chunk, which reads it to its end; this chunk skips its tail. Chunks at 1..3
    // of a BOM file see EF/BB/BF there and skip the first token, which the chunk at 0 owns
    // (it strips the BOM as a prefix of its first token) — the same answer for every split.
    if (state.start === 0) state.phase = PHASE_BOM;
    else state.phase = prevByte !== undefined && !isSeparator(prevByte) ? PHASE_SKIP : PHASE_SCAN;
  }
  for (let at = 0; at < bytes.length && state.phase !== PHASE_DONE; at += PIECE) {
    scanPiece(state, bytes.subarray(at, Math.min(bytes.length, at + PIECE)));
  }
  return state.phase === PHASE_DONE;
}

/**
 * Ends the scan at EOF (or once done): EOF ends a pending token; returns the chunk's result. With
 * `longSums` 'bytes', a sum of more than LONG_SUM_DIGITS digits comes as bytes (see stateSum).
 */
export function finishScan(
  state: ScanState,
  longSums: 'string' | 'bytes' = 'string',
): ChunkScanResult {
  if (state.phase === PHASE_BOM && state.bomMatched > 0) {
    openToken(state, 0);
    markBad(state, String.fromCharCode(...BOM.slice(0, state.bomMatched)));
  }
  endToken(state);
  state.phase = PHASE_DONE;
  const result: ChunkScanResult = {
    sum: stateSum(state, longSums),
    evenCount: state.evenCount,
    count: state.count,
    newlines: state.newlines,
  };
  if (state.errOffset >= 0) {
    result.error = {
      offset: state.errOffset,
      line: state.errLine,
      token: displayToken(state.errText, state.errTruncated),
    };
  }
  return result;
}

/** At most PIECE bytes: copy to the scratch, then alternate fast path and slow path. */
function scanPiece(st: ScanState, piece: Uint8Array): void {
  const n = piece.length;
  // A piece read straight into the scratch (scanFilePart) is in place: set() would clone it first.
  if (piece.buffer !== scratch.buffer || piece.byteOffset !== scratch.byteOffset)
    scratch.set(piece);
  scratch.fill(0, n, n + PAD);
  const base = st.pos;
  // Tokens may start only before `end`; one that does is read to its end, however far.
  const endInPiece = st.end - base <= n;
  const lim = Math.max(0, Math.min(n, st.end - base));
  let i = 0;
  // Each step either moves to another phase or returns; `as number`: the helpers change phase.
  for (;;) {
    switch (st.phase as number) {
      case PHASE_BOM:
        i = matchBom(st, i, n);
        if (st.phase === PHASE_BOM) return pause(st, base + n);
        break;
      case PHASE_SKIP:
        i = skipTokenTail(i, lim);
        if (i < lim) st.phase = PHASE_SCAN;
        else if (endInPiece) return finish(st, base + i);
        else return pause(st, base + n);
        break;
      case PHASE_TOKEN:
        i = continueToken(st, scratch, view, base, i, n);
        if (st.phase === PHASE_DONE) return finish(st, base + i);
        if (st.tokStart >= 0) return pause(st, base + n);
        st.phase = PHASE_SCAN;
        break;
      case PHASE_SCAN:
        i = kernelScan(st, i, lim);
        if (i < lim) {
          openToken(st, base + i);
          st.phase = PHASE_TOKEN;
        } else if (endInPiece) {
          return finish(st, base + i);
        } else {
          return pause(st, base + n);
        }
        break;
      default:
        return;
    }
  }
}

/**
 * The index of the first separator in scratch[i, lim), or lim: four digits at a time while the
 * tail is digits (a chunk that starts inside a run of millions of digits skips it all), then
 * byte by byte. The zero padding after the piece ends any word run.
 */
function skipTokenTail(i: number, lim: number): number {
  for (; i + 4 <= lim; i += 4) {
    const x = view.getUint32(i, true) ^ 0x30303030;
    if (((((x & 0x7f7f7f7f) + 0x76767676) | x) & 0x80808080) !== 0) break;
  }
  while (i < lim && !isSeparatorByte(scratch[i])) i++;
  return i;
}

/** isSeparator, local: an imported function is called through a getter (tsx, jest) per byte. */
function isSeparatorByte(c: number): boolean {
  return c === 32 || c === 44 || (c >= 9 && c <= 13);
}

/** The piece is used up and the chunk goes on with the next bytes. */
function pause(st: ScanState, pos: number): void {
  st.pos = pos;
}

function finish(st: ScanState, pos: number): void {
  st.pos = pos;
  st.phase = PHASE_DONE;
}

/** Matches EF BB BF at offset 0; a partial match is the start of a bad token (bytes >= 0x80). */
function matchBom(st: ScanState, i: number, n: number): number {
  while (i < n && st.bomMatched < 3 && scratch[i] === BOM[st.bomMatched]) {
    st.bomMatched++;
    i++;
  }
  if (st.bomMatched === 3) {
    // The first token starts after the BOM and belongs to this chunk even if `end` <= 3.
    openToken(st, 3);
    st.phase = PHASE_TOKEN;
  } else if (i < n) {
    if (st.bomMatched === 0) {
      st.phase = PHASE_SCAN;
    } else {
      openToken(st, 0);
      markBad(st, String.fromCharCode(...BOM.slice(0, st.bomMatched)));
      st.phase = PHASE_TOKEN;
    }
  }
  return i;
}
