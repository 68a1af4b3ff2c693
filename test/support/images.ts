import sharp from 'sharp';

/** A PNG of random pixels (seeded, so tests are repeatable), `channels` 3 or 4. */
export async function randomPng(
  width: number,
  height: number,
  channels: 3 | 4 = 3,
  seed = 1,
): Promise<Buffer> {
  const data = Buffer.alloc(width * height * channels);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    // xorshift32: cheap, deterministic noise, so every block is distinct.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  return sharp(data, { raw: { width, height, channels } }).png({ compressionLevel: 1 }).toBuffer();
}

/** Decodes a PNG to raw pixels. */
export async function decodePng(
  png: Buffer,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** The full blocks of an image as hex strings (row-major), for multiset comparisons. */
export function blocksOf(
  img: { data: Buffer; width: number; height: number; channels: number },
  size: number,
): string[] {
  const cols = Math.floor(img.width / size);
  const rows = Math.floor(img.height / size);
  const blocks: string[] = [];
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      const parts: Buffer[] = [];
      for (let y = 0; y < size; y++) {
        const from = ((by * size + y) * img.width + bx * size) * img.channels;
        parts.push(img.data.subarray(from, from + size * img.channels));
      }
      blocks.push(Buffer.concat(parts).toString('hex'));
    }
  }
  return blocks;
}

/** The pixels outside the full blocks (right strip then bottom strip), for "untouched" checks. */
export function remaindersOf(
  img: { data: Buffer; width: number; height: number; channels: number },
  size: number,
): string {
  const fullW = Math.floor(img.width / size) * size;
  const fullH = Math.floor(img.height / size) * size;
  const parts: Buffer[] = [];
  for (let y = 0; y < img.height; y++) {
    const row = y * img.width * img.channels;
    if (y >= fullH) parts.push(img.data.subarray(row, row + img.width * img.channels));
    else parts.push(img.data.subarray(row + fullW * img.channels, row + img.width * img.channels));
  }
  return Buffer.concat(parts).toString('hex');
}
