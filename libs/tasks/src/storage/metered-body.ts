import { PassThrough, pipeline, Readable, Transform } from 'node:stream';
import { BlobTooLargeError, PutOptions } from './blob-store';

/** An upload on its way into a BlobStore: the stream to store, and its byte count so far. */
export interface MeteredBody {
  stream: Readable;
  bytes(): number;
}

/**
 * Wraps the body of a BlobStore.put: counts its bytes, fails with BlobTooLargeError past
 * `maxBytes` and reports progress. Both backends store `stream`, so the limit holds the same way
 * whether the bytes go to a file or to S3. The source is never destroyed by a failed write: an
 * HTTP request must stay open so the api can still answer (413, 507) on its socket.
 */
export function meterBody(source: Readable, options: PutOptions = {}): MeteredBody {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (options.maxBytes !== undefined && bytes > options.maxBytes) {
        done(new BlobTooLargeError(options.maxBytes));
        return;
      }
      options.onProgress?.(bytes);
      options.onData?.(chunk);
      if (!options.admit) return done(null, chunk);
      options.admit(bytes).then(() => done(null, chunk), done);
    },
  });
  const detached = new PassThrough();
  source.on('error', (err) => detached.destroy(err));
  source.on('aborted', () => detached.destroy(new Error('upload aborted by the client')));
  source.pipe(detached);
  // Errors and early destruction travel both ways between the two; the source only gets unpiped.
  pipeline(detached, counter, () => undefined);
  return { stream: counter, bytes: () => bytes };
}
