import { Inject } from '@nestjs/common';
import { Readable } from 'node:stream';
import { TOKEN_SOURCE } from '../contract';

/** Thrown when a blob does not exist (expired, deleted, never written). */
export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`blob ${key} not found`);
  }
}

/** Thrown when a streamed write passes its byte limit; the partial blob is removed. */
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
  constructor(readonly limit: number) {
    super(`body exceeds the limit of ${limit} bytes`);
  }
}

/** Thrown when storage is full or not writable (answered 507). */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

export interface PutOptions {
  /** Abort with BlobTooLargeError once more than this many bytes arrive. */
  maxBytes?: number;
  /** Called as bytes are stored (for progress and metrics). */
  onProgress?: (bytes: number) => void;
  /**
   * Awaited before `bytes` (the total so far) are passed on: a refusal (a quota) fails the put
   * like a body error, and the bytes are not stored.
   */
  admit?: (bytes: number) => Promise<void>;
  /** Called with every chunk of the body in order, as it passes (e.g. to hash it). */
  onData?: (chunk: Buffer) => void;
  /**
   * Backends with `readableWhileWriting` only: awaited each time a batch of the body is stored,
   * with the bytes stored so far and the batch's bytes (the last ones of `[0, bytes)`). From then
   * on `readRange` of that key returns them, before the put resolves.
   */
  onWritten?: (bytes: number, batch: readonly Buffer[]) => Promise<void>;
  /**
   * Store under `key` itself as the bytes arrive (no temporary name), so that `readRange` can read
   * what `onWritten` reported while the upload goes on. On failure the partial blob is removed,
   * as always.
   */
  readableWhileWriting?: boolean;
}

/** A whole blob opened for reading. */
export interface BlobRead {
  size: number;
  body: Readable;
}

/** Where inputs and results live: a directory shared by api and workers, or an S3 bucket. */
export interface BlobStore {
  /** True when `put` honours `readableWhileWriting` and `onWritten` (fs; S3 stores parts unreadable until the end). */
  readonly readableWhileWriting: boolean;
  /** Streams `body` into `key`; on any failure nothing is left under `key`. Resolves with the byte count. */
  put(key: string, body: Readable, options?: PutOptions): Promise<number>;
  putBuffer(key: string, body: Buffer): Promise<void>;
  getBuffer(key: string): Promise<Buffer>;
  /**
   * Opens the whole blob as a stream, with its size. Rejects with BlobNotFoundError before any
   * byte when it is missing; destroying `body` early releases the file or the download.
   */
  openRead(key: string): Promise<BlobRead>;
  /** Streams bytes [start, endExclusive) of `key` (clipped at its end; an empty range reads nothing). */
  readRange(key: string, start: number, endExclusive: number): Readable;
  /**
   * The blob's path on this machine when the store is a local directory and the blob is stored
   * whole, else undefined (S3; or a blob still being written, readable only through readRange): the
   * scanner then reads a stored file in its own threads (no stream, no copies between threads).
   */
  localPath(key: string): string | undefined;
  size(key: string): Promise<number>;
  /** Deletes one blob; deleting a blob that does not exist is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every blob whose key starts with `prefix` (a task's `token/`). */
  deletePrefix(prefix: string): Promise<void>;
  /** Every task token that has blobs, with the newest modification time (epoch ms) of its blobs. */
  listTasks(): AsyncIterable<{ token: string; modifiedAt: number }>;
  /** Throws when the store cannot be written (readiness check). */
  checkWritable(): Promise<void>;
  /**
   * Backends with multipart uploads (S3): aborts those untouched for `olderThanMs` whose token
   * `isLive` does not claim, so abandoned parts stop costing storage. Resolves with the count.
   */
  abortStaleUploads?(
    olderThanMs: number,
    isLive: (token: string) => Promise<boolean>,
    now?: number,
  ): Promise<number>;
}

export const BLOB_STORE = Symbol('BLOB_STORE');

/** Injects the configured BlobStore. */
export const InjectBlobStore = (): ParameterDecorator => Inject(BLOB_STORE);

const KEY_PATTERN = new RegExp(`^${TOKEN_SOURCE}/[a-z0-9.-]+$`);
const PREFIX_PATTERN = new RegExp(`^${TOKEN_SOURCE}/$`);

/** Blob keys are `<token>/<name>`; anything else never reaches the filesystem or S3. */
export function assertBlobKey(key: string): void {
  if (!KEY_PATTERN.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
}

/** A task's blob prefix is `<token>/`: deleting anything wider is refused. */
export function assertBlobPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix))
    throw new Error(`invalid blob prefix ${JSON.stringify(prefix)}`);
}

/** The blob keys of a task. */
export const blobKeys = {
  randomizeInput: (token: string) => `${token}/input.png`,
  /** A run's output (`run` names it, so two runs of one job never overwrite each other's result). */
  randomizeOutput: (token: string, run?: string) =>
    run ? `${token}/output-${run}.png` : `${token}/output.png`,
  evenSumInput: (token: string) => `${token}/input.txt`,
};
