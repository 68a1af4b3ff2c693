import { ChunkOutcome, outcomeJson } from './chunk-results.store';

// A chunk's outcome goes to Redis as JSON, and a sum of millions of digits as bytes spliced into
// it: what the combiner parses back must be the outcome, with its sum as the string it spells.
describe(outcomeJson.name, () => {
  const timings = { start: 0, end: 9, startedAt: 1, finishedAt: 2, executionMs: 1 };

  it.each([
    ['a long positive sum', '8'.repeat(1) + '0123456789'.repeat(10_000), undefined],
    ['a long negative sum', '-' + '9'.repeat(100_000), undefined],
    [
      'a long sum and a bad token of any characters',
      '7'.repeat(70_000),
      { offset: 3, line: 2, token: '"1é\\"\u00ff\u2028x"' },
    ],
  ])('gives back %s as its string', (_, sum, error) => {
    const outcome: ChunkOutcome = { sum, evenCount: 2, count: 3, newlines: 4, ...timings };
    if (error) outcome.error = error;
    const json = outcomeJson({ ...outcome, sum: Buffer.from(sum, 'latin1') });
    expect(Buffer.isBuffer(json)).toBe(true);
    // As Redis gives it back to ioredis: bytes, read as UTF-8.
    const parsed = JSON.parse(Buffer.from(json).toString('utf8')) as ChunkOutcome;
    expect(parsed.sum === sum).toBe(true);
    expect({ ...parsed, sum: '' }).toEqual({ ...outcome, sum: '' });
  });

  it('writes an outcome with a string sum as plain JSON', () => {
    const outcome: ChunkOutcome = { sum: '-12', evenCount: 1, count: 1, newlines: 0, ...timings };
    expect(outcomeJson(outcome)).toBe(JSON.stringify(outcome));
  });
});
