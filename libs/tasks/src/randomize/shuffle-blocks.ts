/** A decoded image: packed rows, `channels` samples per pixel, `bytesPerSample` bytes per sample. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
  bytesPerSample: number;
}

/** How many full blocks fit across and down. */
export function blockGrid(
  width: number,
  height: number,
  blockSize: number,
): { cols: number; rows: number } {
  return { cols: Math.floor(width / blockSize), rows: Math.floor(height / blockSize) };
}

/**
 * Moves full blockSize×blockSize blocks: output block d is input block perm[d] (blocks numbered
 * row-major). Pixels outside the full blocks (right and bottom remainders) are copied unchanged:
 * the output starts as a copy of the input, so nothing is ever left uninitialised.
 */
export function shuffleBlocks(image: RawImage, blockSize: number, perm: ArrayLike<number>): Buffer {
  const { cols, rows } = blockGrid(image.width, image.height, blockSize);
  if (perm.length !== cols * rows) {
    throw new Error(`permutation has ${perm.length} entries for ${cols * rows} blocks`);
  }
  const pixelBytes = image.channels * image.bytesPerSample;
  const stride = image.width * pixelBytes;
  const blockRowBytes = blockSize * pixelBytes;
  const out = Buffer.from(image.data);
  for (let d = 0; d < perm.length; d++) {
    const s = perm[d];
    if (s === d) continue;
    const dx = (d % cols) * blockRowBytes;
    const dy = Math.floor(d / cols) * blockSize;
    const sx = (s % cols) * blockRowBytes;
    const sy = Math.floor(s / cols) * blockSize;
    for (let y = 0; y < blockSize; y++) {
      const from = (sy + y) * stride + sx;
      image.data.copy(out, (dy + y) * stride + dx, from, from + blockRowBytes);
    }
  }
  return out;
}
