import type { ChunkScanResult } from './even-sum.scanner';

/**
 * Joins the results of consecutive ranges, in order, into the result of their union: sums and
 * counts add up, and the first error's line (relative to its range) becomes relative to the
 * first range by adding the newlines before it. Results after the first error are left out:
 * a single scan of the union would have stopped there too.
 */
export function joinChunkResults(results: readonly ChunkScanResult[]): ChunkScanResult {
  let sum = 0n;
  let evenCount = 0;
  let count = 0;
  let newlines = 0;
  for (const r of results) {
    sum += BigInt(r.sum);
    evenCount += r.evenCount;
    count += r.count;
    if (r.error) {
      const error = { ...r.error, line: newlines + r.error.line };
      return { sum: sum.toString(), evenCount, count, newlines: newlines + r.newlines, error };
    }
    newlines += r.newlines;
  }
  return { sum: sum.toString(), evenCount, count, newlines };
}
