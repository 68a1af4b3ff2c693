/**
 * Start-time fair queuing (Goyal et al., 1996) over clients, in pure arithmetic.
 *
 * Every unit of work (a randomize job, an even-sum chunk) gets a start tag S = max(V, F[client])
 * and advances F[client] = S + cost, where V, the virtual time, is the start tag of the unit most
 * recently started. Units run in tag order (the tag becomes bull's priority). A client that was
 * idle restarts at V, so it cannot bank credit; a client with a long backlog has tags far ahead,
 * so a newcomer's units slot in between its units at once. Costs are estimated CPU milliseconds.
 * The shared state (V, F per client) lives in Redis: see FairScheduler.
 */

/** The part of the shared state one enqueue reads: the virtual time and the client's last finish tag. */
export interface ClientClock {
  virtualTime: number;
  lastFinish: number;
}

/** Start tags for a client's new units (in order) and the client's new last finish tag. */
export function tagUnits(
  clock: ClientClock,
  costs: number[],
): { tags: number[]; lastFinish: number } {
  let next = Math.max(clock.virtualTime, clock.lastFinish);
  const tags = costs.map((cost) => {
    const tag = next;
    next += Math.max(1, Math.round(cost));
    return tag;
  });
  return { tags, lastFinish: next };
}

/** bull's priority range is 1 (first) .. 2^31 − 1; tags are rebased to 0 whenever the queues drain. */
export const MAX_PRIORITY = 2 ** 31 - 1;

/** The bull priority for a tag (lower runs first). Past the range, ordering degrades to FIFO. */
export function priorityOf(tag: number): number {
  return Math.min(MAX_PRIORITY, Math.max(1, Math.round(tag) + 1));
}

/** Estimated CPU milliseconds of the units we schedule (measured on the benchmark machine). */
export const unitCost = {
  // Scanner: ~700 MB/s per core.
  scanBytes: (bytes: number) => bytes / 700_000,
  // PNG decode + shuffle + encode: ~25 KB of raw pixels per ms, plus fixed overhead, plus
  // ~1.3 µs per row (libvips and libpng work row by row), as much as 32 raw bytes of pixels:
  // without it a 1 × 16M-pixel PNG was estimated at 0.7 s and took 21 s (docs/architecture.md,
  // "Fair scheduling", has the measurements; scripts/bench-image-cost.ts refits them).
  image: (rawBytes: number, height: number) => 1 + (rawBytes + height * ROW_RAW_BYTES) / 25_000,
};

/** What one image row costs beyond its pixels, in raw bytes of pixels (fitted, see unitCost.image). */
export const ROW_RAW_BYTES = 32;
