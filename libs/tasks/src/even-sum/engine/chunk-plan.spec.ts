import { chunkCount, planChunks } from './chunk-plan';

describe(planChunks.name, () => {
  it('covers the file with consecutive ranges of at most chunkBytes', () => {
    expect(planChunks(10, 4)).toEqual([
      { index: 0, start: 0, end: 4 },
      { index: 1, start: 4, end: 8 },
      { index: 2, start: 8, end: 10 },
    ]);
  });

  it('gives one range for a file under one chunk and none for an empty file', () => {
    expect(planChunks(3, 64)).toEqual([{ index: 0, start: 0, end: 3 }]);
    expect(planChunks(0, 64)).toEqual([]);
  });
});

describe(chunkCount.name, () => {
  it('counts a short last range as one and an empty file as none', () => {
    expect([0, 1, 4, 5, 8, 9].map((size) => chunkCount(size, 4))).toEqual([0, 1, 1, 2, 2, 3]);
  });
});
