/** Bytes of a part, the unit scanRange hands to a scanner (and ScanPool to a worker thread). */
export const PART_BYTES = 4 << 20;

// Part buffers are reused: a fresh 4 MiB buffer per part costs page faults, and freeing them
// TLB shootdowns across threads; measured here, another thread allocating 4 MiB buffers in a
// loop slowed a scanning thread by a third. ArrayBuffers transferred to a worker come back.
const free: ArrayBuffer[] = [];
const KEEP = 16;

/** A part buffer, recycled when one is free. */
export function takePartBuffer(): Uint8Array {
  return new Uint8Array(free.pop() ?? new ArrayBuffer(PART_BYTES));
}

/** Offers a buffer for reuse: kept if it is a whole, attached part buffer and there is room. */
export function recyclePartBuffer(buffer: ArrayBufferLike): void {
  if (buffer instanceof ArrayBuffer && buffer.byteLength === PART_BYTES && free.length < KEEP) {
    free.push(buffer);
  }
}
