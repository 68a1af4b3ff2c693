// Arrays their owners gave back (recycleLimbs), reused by withRoom in this thread, at most
// SPARE_BYTES in all. Why: a 6-million-digit token's groups double up to 4 MB (8 MB allocated in
// all) and become the sum's limbs; fresh memory costs a page fault per 4 KiB on our VMs, and a
// worker thread scanning one such token after another took 10 or 45 ms by turns, as the
// allocator happened to reuse memory or not (measured); recycled, every scan reuses it.
const SPARE_BYTES = 16 << 20;
const spares: Float64Array[] = [];

/** A zeroed array of at least `length` elements: the smallest spare that fits, or a new one. */
export function takeLimbs(length: number): Float64Array {
  let best = -1;
  for (let k = 0; k < spares.length; k++)
    if (spares[k].length >= length && (best < 0 || spares[k].length < spares[best].length))
      best = k;
  if (best < 0) return new Float64Array(length);
  const limbs = spares.splice(best, 1)[0];
  limbs.fill(0);
  return limbs;
}

/**
 * Hands back an array of limbs (or a token's groups) for withRoom to reuse: only when nothing
 * else holds it. Small ones (allocation is cheap), views and detached ones are left alone; the
 * oldest spares go first past SPARE_BYTES.
 */
export function recycleLimbs(limbs: Float64Array): void {
  if (limbs.length < 4096 || limbs.byteLength !== limbs.buffer.byteLength) return;
  if (limbs.byteLength > SPARE_BYTES || spares.includes(limbs)) return;
  spares.push(limbs);
  let total = spares.reduce((sum, a) => sum + a.byteLength, 0);
  while (total > SPARE_BYTES) total -= spares.shift()!.byteLength;
}
