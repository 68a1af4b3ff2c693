export interface ChunkRange {
  index: number;
  start: number;
  end: number;
}

/** How many ranges planChunks splits `size` bytes into, without building them. */
export function chunkCount(size: number, chunkBytes: number): number {
  return Math.ceil(size / chunkBytes);
}

/** Splits [0, size) into consecutive ranges of at most chunkBytes (none for an empty file). */
export function planChunks(size: number, chunkBytes: number): ChunkRange[] {
  return Array.from({ length: chunkCount(size, chunkBytes) }, (_, index) => {
    const start = index * chunkBytes;
    return { index, start, end: Math.min(size, start + chunkBytes) };
  });
}
