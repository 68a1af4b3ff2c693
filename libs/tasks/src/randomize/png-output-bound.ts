import { PngHeader } from './png-header';

// Every pixel is counted as RGBA, the most any output colour type stores (the worker keeps the
// input's type, but turns a tRNS colour key into an alpha channel). Samples keep the input's depth:
// 2 bytes when 16-bit, else 1 (palette and 1/2/4-bit gray take less).
const MAX_CHANNELS = 4;

// Deflate never expands a block by more than a stored block's 5-byte header, and zlib's blocks
// hold at least 16 KiB of input unless the stream ends (we assume only ≥ 4 KiB); libpng writes IDAT
// chunks of 8 KiB (we assume ≥ 4 KiB), 12 bytes each. Both per 4 KiB of filtered data.
const OVERHEAD_PER_4KIB = 5 + 12;
// Signature, IHDR, IEND, the zlib wrapper and whatever small ancillary chunks the encoder adds.
const FIXED_OVERHEAD = 4096;

/**
 * An upper bound of the PNG the randomize worker writes for an input with this header, whatever
 * its compression level: the filtered image (one filter byte per row, Adam7's passes included:
 * at most 2·height + 7 rows) stored uncompressed, plus deflate's and the chunks' overhead.
 */
export function pngOutputBound(header: PngHeader): number {
  const bytesPerPixel = MAX_CHANNELS * (header.bitDepth === 16 ? 2 : 1);
  const filtered = header.width * header.height * bytesPerPixel + 2 * header.height + 7;
  return filtered + Math.ceil(filtered / 4096) * OVERHEAD_PER_4KIB + FIXED_OVERHEAD;
}
