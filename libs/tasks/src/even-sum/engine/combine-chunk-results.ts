import type { DecimalText } from './decimal-text';
import type { ChunkScanResult } from './even-sum.scanner';
import { invalidTokenMessage } from './invalid-token';
import { joinChunkResults } from './join-chunk-results';

/** The whole file's result; with `error`, the figures cover the tokens before the bad one. */
export interface EvenSumTotal {
  /** A string, or bytes when a chunk's scan gave a long sum as bytes. */
  sum: DecimalText;
  evenCount: number;
  count: number;
  error?: string;
}

/**
 * Combines chunk results given in chunk order. The first chunk with an error holds the file's
 * first bad token (a chunk stops at its first, and tokens belong to the chunk they start in);
 * its line becomes absolute by adding the newlines of every chunk before it. Chunks after it
 * are left out, so the figures match a single scan of the file that stopped at the error.
 */
export function combineChunkResults(results: readonly ChunkScanResult[]): EvenSumTotal {
  const { sum, evenCount, count, error } = joinChunkResults(results);
  if (!error) return { sum, evenCount, count };
  return {
    sum,
    evenCount,
    count,
    error: invalidTokenMessage(error.token, error.offset, error.line),
  };
}
