import { MAX_UPLOAD_PARTS, planUploadParts } from './upload-parts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe(planUploadParts.name, () => {
  it('keeps the preferred part size while 10 000 parts are enough', () => {
    expect(planUploadParts(12 * MiB, 5 * MiB)).toEqual({ partSize: 5 * MiB, count: 3 });
    expect(planUploadParts(1, 8 * MiB)).toEqual({ partSize: 8 * MiB, count: 1 });
    expect(planUploadParts(10 * GiB, 8 * MiB)).toEqual({ partSize: 8 * MiB, count: 1280 });
  });

  it('grows the parts in whole MiB when the file would need more than 10 000', () => {
    const sut = planUploadParts(100 * GiB, 5 * MiB);
    expect(sut.partSize % MiB).toBe(0);
    expect(sut.count).toBeLessThanOrEqual(MAX_UPLOAD_PARTS);
    expect(sut.partSize * sut.count).toBeGreaterThanOrEqual(100 * GiB);
    expect(sut.partSize).toBe(11 * MiB);
  });

  it('uses exactly 10 000 parts at the boundary', () => {
    expect(planUploadParts(MAX_UPLOAD_PARTS * 5 * MiB, 5 * MiB)).toEqual({
      partSize: 5 * MiB,
      count: MAX_UPLOAD_PARTS,
    });
  });

  it('refuses sizes that are not positive integers', () => {
    for (const size of [0, -1, 1.5, Number.NaN])
      expect(() => planUploadParts(size, 5 * MiB)).toThrow(RangeError);
  });
});
