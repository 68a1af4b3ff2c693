import { combineChunkResults } from './combine-chunk-results';
import type { ChunkScanResult } from './even-sum.scanner';

// EvenSumCombiner finishes a one-chunk task with the outcome its own delivery just stored,
// instead of reading the stored JSON back: that is exact only if the JSON round trip gives the
// same total, with the same canonical decimal.
describe('combineChunkResults of one chunk', () => {
  const timings = {
    start: 0,
    end: 6_000_000,
    startedAt: 1_764_000_000_000,
    finishedAt: 1_764_000_000_073,
    executionMs: 73,
  };
  const outcomes: (ChunkScanResult & typeof timings)[] = [
    { sum: '0', evenCount: 0, count: 0, newlines: 0, ...timings },
    { sum: '-9007199254740993', evenCount: 3, count: 5, newlines: 4, ...timings },
    {
      sum: '8'.repeat(1) + '0123456789'.repeat(200_000),
      evenCount: 1,
      count: 1,
      newlines: 1,
      ...timings,
    },
    {
      sum: '-' + '7'.repeat(40),
      evenCount: 2,
      count: 4,
      newlines: 2,
      error: { offset: 12, line: 3, token: '"12x"' },
      ...timings,
    },
  ];

  it.each(outcomes.map((o) => [o.sum.slice(0, 12), o]))(
    '%s… ends the same from memory and from JSON',
    (_, outcome) => {
      const fromMemory = combineChunkResults([outcome]);
      const fromJson = combineChunkResults([
        JSON.parse(JSON.stringify(outcome)) as ChunkScanResult,
      ]);
      // Booleans, not toEqual, on the sums: a failing diff of a 2-million-digit string hangs jest.
      expect(fromJson.sum === fromMemory.sum).toBe(true);
      expect(fromMemory.sum === outcome.sum).toBe(true);
      expect({ ...fromJson, sum: '' }).toEqual({ ...fromMemory, sum: '' });
      expect(fromMemory.evenCount).toBe(outcome.evenCount);
      expect(fromMemory.count).toBe(outcome.count);
    },
  );
});
