import { crc32, deflate } from 'node:zlib';
import { promisify } from 'node:util';

const deflateAsync = promisify(deflate);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// Adam7 passes: first column, first row, column step, row step.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** One sample per pixel at `bitDepth` (a palette index, or a gray level 0..2^bitDepth−1). */
export interface PackedPng {
  width: number;
  height: number;
  colorType: 0 | 3;
  bitDepth: 1 | 2 | 4 | 8;
  interlaced: boolean;
  samples: Uint8Array;
  /** Chunks written verbatim between IHDR and IDAT, in order (PLTE, tRNS). */
  chunks: { type: string; data: Buffer }[];
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Filter byte 0 (None) then the packed samples of each row of each pass. None, as the PNG spec
 * advises for palette and sub-8-bit images: neighbouring palette indices are not near in value, and
 * libpng's per-row choice (least sum of absolute differences) made a shuffled photo quantised to 256
 * or 16 colours 1.41× / 1.38× its input instead of 1.17× / 1.14× at level 3.
 */
function scanlines(png: PackedPng): Buffer {
  const passes = png.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const perByte = 8 / png.bitDepth;
  let size = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((png.width - x0) / dx);
    const h = Math.ceil((png.height - y0) / dy);
    // An empty pass has no rows at all, not even filter bytes.
    if (w > 0 && h > 0) size += h * (1 + Math.ceil(w / perByte));
  }
  const out = Buffer.alloc(size);
  let at = 0;
  for (const [x0, y0, dx, dy] of passes) {
    if (x0 >= png.width || y0 >= png.height) continue;
    for (let y = y0; y < png.height; y += dy) {
      out[at++] = 0;
      const row = y * png.width;
      let shift = 8 - png.bitDepth;
      for (let x = x0; x < png.width; x += dx) {
        out[at] |= png.samples[row + x] << shift;
        shift -= png.bitDepth;
        if (shift < 0) {
          shift = 8 - png.bitDepth;
          at++;
        }
      }
      if (shift !== 8 - png.bitDepth) at++;
    }
  }
  return out;
}

/**
 * Writes a gray or indexed PNG of 1, 2, 4 or 8 bits per pixel, Adam7-interlaced or not, with the
 * given PLTE/tRNS chunks. libvips cannot do this exactly: it re-quantises palettes (libimagequant
 * reorders and resizes the palette and recolours transparent pixels) and packs 4-bit gray wrongly
 * when the width is odd.
 */
export async function encodePackedPng(png: PackedPng, compressionLevel: number): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(png.width, 0);
  ihdr.writeUInt32BE(png.height, 4);
  ihdr[8] = png.bitDepth;
  ihdr[9] = png.colorType;
  ihdr[12] = png.interlaced ? 1 : 0;
  // deflate runs on the libuv pool, so a large image does not stall the worker's event loop.
  const idat = await deflateAsync(scanlines(png), { level: compressionLevel });
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    ...png.chunks.map((c) => chunk(c.type, c.data)),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
