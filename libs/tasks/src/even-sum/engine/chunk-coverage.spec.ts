import { chunksInOrder } from './chunk-coverage';

const chunk = (start: number, end: number) => ({ start, end });

describe(chunksInOrder.name, () => {
  it('returns the chunks in index order when they tile the file', () => {
    const results = new Map([
      [2, chunk(20, 25)],
      [0, chunk(0, 10)],
      [1, chunk(10, 20)],
    ]);
    expect(chunksInOrder(results, 3, 25)).toEqual([chunk(0, 10), chunk(10, 20), chunk(20, 25)]);
  });

  it('accepts the empty file (no chunks)', () => {
    expect(chunksInOrder(new Map(), 0, 0)).toEqual([]);
  });

  it('refuses a missing chunk', () => {
    const results = new Map([
      [0, chunk(0, 10)],
      [2, chunk(20, 25)],
    ]);
    expect(() => chunksInOrder(results, 3, 25)).toThrow('chunk 1 of 3 has no result');
  });

  it('refuses a chunk outside the plan', () => {
    const results = new Map([
      [0, chunk(0, 10)],
      [1, chunk(10, 25)],
      [2, chunk(25, 30)],
    ]);
    expect(() => chunksInOrder(results, 2, 25)).toThrow('3 chunk results for a plan of 2');
  });

  it('refuses ranges from two different splits', () => {
    const results = new Map([
      [0, chunk(0, 10)],
      [1, chunk(8, 25)],
    ]);
    expect(() => chunksInOrder(results, 2, 25)).toThrow('chunk 1 starts at byte 8, not 10');
  });

  it('refuses chunks that stop short of the end of the file', () => {
    const results = new Map([[0, chunk(0, 10)]]);
    expect(() => chunksInOrder(results, 1, 25)).toThrow(
      'the chunks cover 10 bytes of a 25-byte file',
    );
  });
});
