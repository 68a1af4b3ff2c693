export interface ChunkRange {
  index: number;
  start: number;
  end: number;
}

/** Splits [0, size) into consecutive ranges of at most chunkBytes (none for an empty file). */
export function planChunks(size: number, chunkBytes: number): ChunkRange[] {
  const ranges: ChunkRange[] = [];
  for (let start = 0, index = 0; start < size; start += chunkBytes, index++) {
    ranges.push({ index, start, end: Math.min(size, start + chunkBytes) });
  }
  return ranges;
}
