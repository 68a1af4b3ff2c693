import { PngHeader } from './png-header';

// Every pixel is counted as RGBA, the most any output colour type stores (the worker keeps the
// input's type, but turns a tRNS colour key into an alpha channel). Samples keep the input's depth:
// 2 bytes when 16-bit, else 1 (palette and 1/2/4-bit gray take less).
const MAX_CHANNELS = 4;

// Deflate's worst case per byte of filtered data. zlib stores an incompressible block as is, but
// zlib-ng's level 1 (libvips writes PNGs with zlib-ng) sends only fixed-Huffman blocks, where a
// literal byte of 144..255 takes 9 bits and a match less per byte it covers (at most 25 bits for a
// length 3 at the farthest distance): 9/8. Measured at level 1: 1.05× on RGBA noise.
const DEFLATE_EXPANSION = 9 / 8;
// Per block: a stored block's 5-byte header, or a Huffman block's 3-bit header and end code. zlib's
// blocks hold at least 16 KiB of input unless the stream ends (we assume only ≥ 4 KiB).
const BLOCK_OVERHEAD_PER_4KIB = 5;
// libpng writes IDAT chunks of 8 KiB of deflated data (we assume ≥ 4 KiB), 12 bytes each.
const IDAT_OVERHEAD_PER_4KIB = 12;
// Signature, IHDR, IEND, the zlib wrapper and whatever small ancillary chunks the encoder adds.
const FIXED_OVERHEAD = 4096;

/**
 * An upper bound of the PNG the randomize worker writes for an input with this header, whatever
 * its compression level and row filters: the filtered image (one filter byte per row, Adam7's
 * passes included: at most 2·height + 7 rows) at deflate's worst expansion, plus the chunks' overhead.
 */
export function pngOutputBound(header: PngHeader): number {
  const bytesPerPixel = MAX_CHANNELS * (header.bitDepth === 16 ? 2 : 1);
  const filtered = header.width * header.height * bytesPerPixel + 2 * header.height + 7;
  const deflated =
    Math.ceil(filtered * DEFLATE_EXPANSION) + Math.ceil(filtered / 4096) * BLOCK_OVERHEAD_PER_4KIB;
  return deflated + Math.ceil(deflated / 4096) * IDAT_OVERHEAD_PER_4KIB + FIXED_OVERHEAD;
}
