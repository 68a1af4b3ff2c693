import type { ChunkRange } from './chunk-plan';
import { isSeparator } from './slow-token';

/**
 * Which chunks of a file still being written can be scanned already. Chunk i is [i·c, (i+1)·c)
 * (the split planChunks makes of any longer file), and its scan reads the byte before its start
 * and past its end until its last token ends: a token ends at the first separator at or after
 * `end` at the latest (or earlier, at a bad byte), and a CR at end − 1 needs byte `end` to tell
 * CRLF from a lone CR. So chunk i is ready once the bytes up to such a separator are stored;
 * `size` for its scan is the count stored then, and it never reads past it. The last chunk (its
 * token may run to the end of the file) and any chunk without a separator after it are left to
 * the plan, once the body has ended.
 */
export class ChunkReadiness {
  private next = 0;

  constructor(private readonly chunkBytes: number) {}

  /** The chunks handed out so far are 0..count − 1. */
  get count(): number {
    return this.next;
  }

  /**
   * Feeds the batch just stored, the last bytes of [0, stored); returns the chunks that became
   * ready with it, in order.
   */
  stored(stored: number, batch: readonly Uint8Array[]): ChunkRange[] {
    const ready: ChunkRange[] = [];
    let base = stored;
    for (const piece of batch) base -= piece.length;
    for (;;) {
      const start = this.next * this.chunkBytes;
      const end = start + this.chunkBytes;
      // The bytes before `base` were searched with an earlier batch.
      if (stored <= end || findSeparator(batch, base, Math.max(end, base)) < 0) break;
      ready.push({ index: this.next, start, end });
      this.next++;
    }
    return ready;
  }
}

/** The position of the first separator at or after `from` in `batch` (which starts at `base`), or −1. */
function findSeparator(batch: readonly Uint8Array[], base: number, from: number): number {
  let at = base;
  for (const piece of batch) {
    const skip = Math.max(0, from - at);
    for (let i = skip; i < piece.length; i++) if (isSeparator(piece[i])) return at + i;
    at += piece.length;
  }
  return -1;
}
