// limbsToDecimalBytes' buffers (and the outcome JSON built around a sum's digits), handed back
// by their users: a sum's bytes go to Redis and are then free again, so a worker scanning one
// huge number after another reuses the same memory instead of faulting in fresh pages. At most
// KEEP_BYTES_BUFFERS of at most KEEP_MAX_BYTES each stay (64 MiB at worst, per thread).
const KEEP_MAX_BYTES = 16 << 20;
const freeBytes: ArrayBuffer[] = [];
const KEEP_BYTES_BUFFERS = 4;
const BYTES_UNIT = 1 << 20;

/**
 * A buffer of at least `length` bytes from the pool limbsToDecimalBytes takes from (a recycled
 * one, or a new one): for text built around a long sum's digits; hand it back the same way.
 */
export function takeBytesBuffer(length: number): Buffer {
  const at = freeBytes.findIndex((b) => b.byteLength >= length);
  if (at >= 0) return Buffer.from(freeBytes.splice(at, 1)[0]);
  // Whole MiBs: a sum's digits and its outcome JSON (the digits and ~150 bytes) then fit in
  // each other's recycled buffer.
  return Buffer.from(new ArrayBuffer(Math.ceil(Math.max(length, 1) / BYTES_UNIT) * BYTES_UNIT));
}

/** Hands back what limbsToDecimalBytes returned (its user is done with it); kept if small enough. */
export function recycleDecimalBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength > KEEP_MAX_BYTES) return;
  if (freeBytes.includes(buffer)) return;
  if (freeBytes.length >= KEEP_BYTES_BUFFERS) freeBytes.shift();
  freeBytes.push(buffer);
}

/**
 * A kept buffer of any size, or none: for another thread's pool (ScanPool hands one to the thread
 * that may print a long sum, which comes back in it), so that the memory goes round instead of
 * each thread faulting in a fresh one per sum.
 */
export function takeSpareBytes(): ArrayBuffer | undefined {
  return freeBytes.pop();
}
