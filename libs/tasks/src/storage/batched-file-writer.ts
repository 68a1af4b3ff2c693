import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BlobTooLargeError, PutOptions } from './blob-store';

// Bytes gathered before one writev: an HTTP body arrives in pieces of up to 64 KiB, and each
// write costs a libuv request plus the async-context hooks the api runs with (nestjs-pino's
// AsyncLocalStorage): per 64 KiB that was half of the api's CPU per uploaded byte.
const BATCH_BYTES = 4 * 1024 * 1024;
// Reading pauses while this much waits behind a write in flight: memory stays bounded
// (~2 batches) whatever the disk's pace.
const PAUSE_BYTES = 2 * BATCH_BYTES;
const MAX_PIECES = 256;
// A body slower than the disk (most real clients) never fills a batch quickly: what arrived is
// written this long after its first byte, so its bytes are stored (and readable) soon anyway.
const LINGER_MS = 20;

/**
 * Streams `source` into the open file `handle` from offset 0 in batches of ~4 MiB, one writev
 * each, reading the next batch while one is written. Counts bytes against `maxBytes`, awaits
 * `admit` per batch before writing it (a refusal stores nothing of it) and `onWritten` after
 * each batch is written (the bytes are readable from the file from then on). Resolves with the
 * byte count at the body's end; rejects on a body error, an abort or a failed write. The source
 * is paused and left open on failure, never destroyed: an HTTP request must stay open so the api
 * can still answer on its socket.
 */
export function writeBatched(
  source: Readable,
  handle: FileHandle,
  options: PutOptions = {},
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let received = 0; // bytes taken from the source
    let written = 0; // bytes in the file
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let writing = false;
    let ended = false;
    let settled = false;
    let linger: NodeJS.Timeout | undefined;

    const detach = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', fail);
      source.off('aborted', onAborted);
      source.off('close', onClose);
    };
    function fail(err: unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(linger);
      detach();
      source.pause();
      reject(err instanceof Error ? err : new Error(String(err)));
    }
    const onAborted = () => fail(new Error('upload aborted by the client'));
    // A request whose connection closed before its end: nothing more will come.
    const onClose = () => {
      if (!ended) onAborted();
    };

    const flush = async (partial = false): Promise<void> => {
      writing = true;
      clearTimeout(linger);
      linger = undefined;
      try {
        while (!settled && pendingBytes > 0 && (pendingBytes >= BATCH_BYTES || ended || partial)) {
          partial = false;
          const batch = pending;
          const bytes = pendingBytes;
          pending = [];
          pendingBytes = 0;
          // Many small pieces (a slow client's) would pass the kernel's iovec limit: one copy.
          const pieces = batch.length > MAX_PIECES ? [Buffer.concat(batch, bytes)] : batch;
          if (source.isPaused() && !ended) source.resume();
          await options.admit?.(written + bytes);
          let at = 0;
          while (at < bytes) {
            // writev may write less than asked: go on from where it stopped.
            const { bytesWritten } = await handle.writev(skip(pieces, at), written + at);
            at += bytesWritten;
          }
          written += bytes;
          await options.onWritten?.(written, pieces);
        }
      } catch (err) {
        return fail(err);
      } finally {
        writing = false;
      }
      if (ended && !settled && pendingBytes === 0) {
        settled = true;
        detach();
        resolve(written);
      } else if (!settled && pendingBytes > 0 && !linger) {
        linger = setTimeout(() => void flush(true), LINGER_MS);
      }
    };

    function onData(chunk: Buffer): void {
      received += chunk.length;
      if (options.maxBytes !== undefined && received > options.maxBytes)
        return fail(new BlobTooLargeError(options.maxBytes));
      options.onProgress?.(received);
      options.onData?.(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (writing) {
        if (pendingBytes >= PAUSE_BYTES) source.pause();
      } else if (pendingBytes >= BATCH_BYTES) void flush();
      else linger ??= setTimeout(() => void flush(true), LINGER_MS);
    }
    function onEnd(): void {
      ended = true;
      if (!writing) void flush();
    }
    // An empty body: 'end' comes with nothing pending, and flush resolves at once.

    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', fail);
    source.once('aborted', onAborted);
    source.once('close', onClose);
  });
}

/** `buffers` without their first `offset` bytes (views, no copy). */
function skip(buffers: Buffer[], offset: number): Buffer[] {
  if (offset === 0) return buffers;
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (offset >= b.length) offset -= b.length;
    else {
      out.push(offset ? b.subarray(offset) : b);
      offset = 0;
    }
  }
  return out;
}
