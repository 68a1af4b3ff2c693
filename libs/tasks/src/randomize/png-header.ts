const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Adam7 interlacing (IHDR interlace method 1). */
  interlaced: boolean;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** Bytes per decoded pixel (palette images decode to RGB; 16-bit samples take 2 bytes). */
export function rawBytesPerPixel(header: PngHeader): number {
  return CHANNELS[header.colorType] * (header.bitDepth === 16 ? 2 : 1);
}

/**
 * Reads the PNG signature and IHDR chunk (the first 33 bytes) without decoding anything, so the api
 * can refuse non-PNGs and decompression bombs (a tiny file declaring 30000×30000) before queueing.
 * Returns an error message, or the header.
 */
export function readPngHeader(bytes: Uint8Array): PngHeader | string {
  if (bytes.length < 33) return 'body is not a PNG image (too short)';
  if (!PNG_SIGNATURE.equals(Buffer.from(bytes.subarray(0, 8))))
    return 'body is not a PNG image (bad signature)';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8);
  const type = Buffer.from(bytes.subarray(12, 16)).toString('latin1');
  if (type !== 'IHDR' || length !== 13) return 'body is not a PNG image (missing IHDR chunk)';
  const header = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    colorType: bytes[25],
    interlaced: bytes[28] === 1,
  };
  if (header.width === 0 || header.height === 0) return 'PNG image has zero width or height';
  const validDepths: Record<number, number[]> = {
    0: [1, 2, 4, 8, 16],
    2: [8, 16],
    3: [1, 2, 4, 8],
    4: [8, 16],
    6: [8, 16],
  };
  if (!validDepths[header.colorType]?.includes(header.bitDepth)) {
    return `PNG image has an invalid color type/bit depth (${header.colorType}/${header.bitDepth})`;
  }
  return header;
}
