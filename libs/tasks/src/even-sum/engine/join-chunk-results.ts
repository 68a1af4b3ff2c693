import { emptyLimbs } from './decimal-limbs';
import { addDecimal, DecimalText, limbsToDecimal } from './decimal-text';
import type { ChunkScanResult } from './even-sum.scanner';

/**
 * Joins the results of consecutive ranges, in order, into the result of their union: sums and
 * counts add up, and the first error's line (relative to its range) becomes relative to the
 * first range by adding the newlines before it. Results after the first error are left out:
 * a single scan of the union would have stopped there too.
 */
export function joinChunkResults(results: readonly ChunkScanResult[]): ChunkScanResult {
  // One range is its own union (its sum is already a canonical decimal string): no conversion.
  if (results.length === 1) return { ...results[0] };
  // Decimal limbs, not BigInt: a sum of millions of digits converts in linear time.
  let sum = emptyLimbs();
  let evenCount = 0;
  let count = 0;
  let newlines = 0;
  // A result whose sum is "0" adds nothing (a sum given as bytes is long, never "0"); when only
  // one sum is not, it is the answer as it stands, string or bytes (a run of millions of digits
  // is one chunk's sum, the chunks after it skip its tail).
  let only: DecimalText | undefined = '0';
  const joined = (): DecimalText => (only !== undefined ? only : limbsToDecimal(sum));
  for (const r of results) {
    if (r.sum !== '0') {
      if (only === '0') only = r.sum;
      else {
        if (only !== undefined) sum = addDecimal(sum, only);
        only = undefined;
        sum = addDecimal(sum, r.sum);
      }
    }
    evenCount += r.evenCount;
    count += r.count;
    if (r.error) {
      const error = { ...r.error, line: newlines + r.error.line };
      return { sum: joined(), evenCount, count, newlines: newlines + r.newlines, error };
    }
    newlines += r.newlines;
  }
  return { sum: joined(), evenCount, count, newlines };
}
