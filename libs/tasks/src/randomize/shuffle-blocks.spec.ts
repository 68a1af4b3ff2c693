import { blocksOf, remaindersOf } from '../../../../test/support/images';
import { blockPermutation } from './block-permutation';
import { blockGrid, RawImage, shuffleBlocks } from './shuffle-blocks';

function noise(width: number, height: number, channels: number, bytesPerSample = 1): RawImage {
  const data = Buffer.alloc(width * height * channels * bytesPerSample);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { data, width, height, channels, bytesPerSample };
}

describe(shuffleBlocks.name, () => {
  it.each([
    [130, 70, 3, 60],
    [181, 125, 4, 60],
    [64, 64, 3, 8],
    [59, 200, 4, 60],
  ])(
    'keeps the multiset of blocks of a %ix%i image with %i channels (block %i) and leaves remainders untouched',
    (w, h, c, size) => {
      const image = noise(w, h, c);
      const { cols, rows } = blockGrid(w, h, size);
      const sut = shuffleBlocks(image, size, blockPermutation(cols * rows, 42));
      const before = { ...image };
      const after = { ...image, data: sut };
      expect(sut.length).toBe(image.data.length);
      expect(blocksOf(after, size).sort()).toEqual(blocksOf(before, size).sort());
      expect(remaindersOf(after, size)).toBe(remaindersOf(before, size));
    },
  );

  it('puts input block perm[d] at output block d', () => {
    const image = noise(120, 60, 3);
    const sut = shuffleBlocks(image, 60, [1, 0]);
    const blocks = blocksOf(image, 60);
    expect(blocksOf({ ...image, data: sut }, 60)).toEqual([blocks[1], blocks[0]]);
  });

  it('moves 16-bit samples as whole pixels', () => {
    const image = noise(16, 8, 3, 2);
    const sut = shuffleBlocks(image, 8, [1, 0]);
    const left = image.data.subarray(0, 8 * 3 * 2);
    expect(sut.subarray(8 * 3 * 2, 16 * 3 * 2)).toEqual(left);
  });

  it('rejects a permutation of the wrong length', () => {
    expect(() => shuffleBlocks(noise(120, 60, 3), 60, [0])).toThrow(
      'permutation has 1 entries for 2 blocks',
    );
  });
});

describe(blockPermutation.name, () => {
  it('is a permutation of 0..n-1', () => {
    const sut = blockPermutation(1000);
    expect([...sut].sort((a, b) => a - b)).toEqual([...Array(1000).keys()]);
  });

  it('is the same for the same seed and different for another', () => {
    expect([...blockPermutation(50, 7)]).toEqual([...blockPermutation(50, 7)]);
    expect([...blockPermutation(50, 7)]).not.toEqual([...blockPermutation(50, 8)]);
  });

  it('draws each of the 6 permutations of 3 items about equally often (uniform Fisher–Yates)', () => {
    const counts = new Map<string, number>();
    const n = 6000;
    for (let seed = 0; seed < n; seed++) {
      const key = [...blockPermutation(3, seed)].join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Chi-square with 5 degrees of freedom: 20.5 is the 0.999 quantile.
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - n / 6) ** 2 / (n / 6), 0);
    expect(chi2).toBeLessThan(20.5);
  });
});
