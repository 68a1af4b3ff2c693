/**
 * The chunks a PNG carries before its first IDAT (IHDR, PLTE, tRNS, ancillary chunks), by type;
 * the first of each type wins. Throws on a chunk that runs past the end of the file.
 */
export function readPngChunks(png: Buffer): Map<string, Buffer> {
  const chunks = new Map<string, Buffer>();
  // 8 bytes of signature, then length (4), type (4), data (length), CRC (4) per chunk.
  let at = 8;
  while (at + 8 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT' || type === 'IEND') break;
    const end = at + 8 + length;
    if (end + 4 > png.length) throw new Error(`PNG chunk ${type} runs past the end of the file`);
    if (!chunks.has(type)) chunks.set(type, png.subarray(at + 8, end));
    at = end + 4;
  }
  return chunks;
}
