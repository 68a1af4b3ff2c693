import type { ChunkScanResult } from './even-sum.scanner';
import { invalidTokenMessage } from './invalid-token';

/** The whole file's result; with `error`, the figures cover the tokens before the bad one. */
export interface EvenSumTotal {
  sum: string;
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
  let sum = 0n;
  let evenCount = 0;
  let count = 0;
  let linesBefore = 0;
  for (const r of results) {
    sum += BigInt(r.sum);
    evenCount += r.evenCount;
    count += r.count;
    if (r.error) {
      const error = invalidTokenMessage(r.error.token, r.error.offset, linesBefore + r.error.line);
      return { sum: sum.toString(), evenCount, count, error };
    }
    linesBefore += r.newlines;
  }
  return { sum: sum.toString(), evenCount, count };
}
