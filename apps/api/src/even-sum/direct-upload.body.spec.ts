import { HttpException } from '@nestjs/common';
import { parseCompletedParts, parseUploadSize } from './direct-upload.body';

/** The status and `{error}` of the TaskHttpError that `fn` throws. */
const refusal = (fn: () => unknown): { status: number; error: string } => {
  try {
    fn();
  } catch (err) {
    const e = err as HttpException;
    return { status: e.getStatus(), error: (e.getResponse() as { error: string }).error };
  }
  throw new Error('did not throw');
};
const statusOf = (fn: () => unknown) => refusal(fn).status;

describe(parseUploadSize.name, () => {
  it('accepts a positive integer up to the limit', () => {
    expect(parseUploadSize({ size: 1 }, 100)).toBe(1);
    expect(parseUploadSize({ size: 100 }, 100)).toBe(100);
  });

  it('answers 400 for a size that is not a positive integer', () => {
    for (const body of [
      {},
      { size: 0 },
      { size: -5 },
      { size: 1.5 },
      { size: '10' },
      null,
      [],
      { size: 2 ** 60 },
    ]) {
      expect(statusOf(() => parseUploadSize(body, 2 ** 62))).toBe(400);
    }
  });

  it('answers 413 for a size over the limit', () => {
    expect(statusOf(() => parseUploadSize({ size: 101 }, 100))).toBe(413);
  });
});

describe(parseCompletedParts.name, () => {
  const part = (partNumber: number) => ({ partNumber, etag: `"e${partNumber}"` });

  it('accepts every part once, in any order', () => {
    expect(parseCompletedParts({ parts: [part(2), part(1), part(3)] }, 3)).toEqual([
      part(2),
      part(1),
      part(3),
    ]);
  });

  it('refuses a missing, repeated or unknown part with a 400 naming it', () => {
    const cases: [unknown, RegExp][] = [
      [{ parts: [part(1), part(3)] }, /parts missing: 2 /],
      [{ parts: [part(1), part(1), part(2), part(3)] }, /part 1 is listed twice/],
      [{ parts: [part(1), part(2), part(4)] }, /part 4 does not exist: this upload has parts 1..3/],
      [{ parts: [] }, /body must be/],
      [{ parts: [{ partNumber: 1 }] }, /parts.0.etag/],
      [{ parts: [{ partNumber: 1.5, etag: 'x' }] }, /parts.0.partNumber/],
      [{ parts: [{ ...part(1), extra: true }] }, /body must be/],
      ['parts', /body must be/],
    ];
    for (const [body, message] of cases) {
      const { status, error } = refusal(() => parseCompletedParts(body, 3));
      expect(status).toBe(400);
      expect(error).toMatch(message);
    }
  });
});
