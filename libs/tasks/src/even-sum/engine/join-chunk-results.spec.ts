import type { ChunkScanResult } from './even-sum.scanner';
import { joinChunkResults } from './join-chunk-results';

function result(sum: string, newlines = 0): ChunkScanResult {
  return { sum, evenCount: 1, count: 2, newlines };
}

describe(joinChunkResults.name, () => {
  it('passes the one nonzero sum through as it stands, whatever zero sums surround it', () => {
    const digits = '8'.repeat(100_001);
    const sut = joinChunkResults([result('0'), result(digits), result('0', 3), result('0')]);
    expect(sut).toEqual({ sum: digits, evenCount: 4, count: 8, newlines: 3 });
  });

  it('adds two or more nonzero sums, around zero ones', () => {
    expect(joinChunkResults([result('0'), result('-5'), result('0'), result('12')]).sum).toBe('7');
    expect(joinChunkResults([result('999999999999999'), result('1'), result('-3')]).sum).toBe(
      '999999999999999'.replace(/9$/, '7'),
    );
  });

  it('gives 0 when every sum is 0', () => {
    expect(joinChunkResults([result('0'), result('0')]).sum).toBe('0');
  });

  it('stops at the first error with the sums before it', () => {
    const bad: ChunkScanResult = {
      ...result('4', 2),
      error: { offset: 9, line: 2, token: 'x' },
    };
    expect(joinChunkResults([result('0', 1), bad, result('100')])).toEqual({
      sum: '4',
      evenCount: 2,
      count: 4,
      newlines: 3,
      error: { offset: 9, line: 3, token: 'x' },
    });
  });
});
