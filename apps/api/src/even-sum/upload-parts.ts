const MiB = 1024 * 1024;

/** S3's limit on the parts of one multipart upload. */
export const MAX_UPLOAD_PARTS = 10_000;

/** How a file of `size` bytes is cut for a multipart upload. */
export interface PartPlan {
  partSize: number;
  count: number;
}

/**
 * Parts of `preferredPartSize` bytes, grown (in whole MiB) only when the file would need more
 * than 10 000 of them. Every part but the last is exactly `partSize`, as S3 requires.
 */
export function planUploadParts(size: number, preferredPartSize: number): PartPlan {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer (got ${size})`);
  const needed = Math.ceil(size / MAX_UPLOAD_PARTS);
  const partSize = needed <= preferredPartSize ? preferredPartSize : Math.ceil(needed / MiB) * MiB;
  return { partSize, count: Math.ceil(size / partSize) };
}
