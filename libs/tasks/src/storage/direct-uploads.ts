import { BlobStore } from './blob-store';

/** One uploaded part of a multipart upload, as the client reports it on completion. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** A part the storage already holds, as ListParts reports it. */
export interface StoredPart {
  partNumber: number;
  /** Bytes stored. */
  size: number;
  etag: string;
}

/** Thrown when the storage refuses a completion (a part missing, too small, or with the wrong ETag). */
export class UploadRejectedError extends Error {
  override readonly name = 'UploadRejectedError';
}

/**
 * Uploads that bypass the api: the client PUTs parts to presigned URLs, the api only starts and
 * completes them. S3 implements it; a directory store cannot hand out URLs.
 */
export interface DirectUploads {
  /** Starts a multipart upload into `key`; resolves with its upload id. */
  createMultipartUpload(key: string): Promise<string>;
  /**
   * A URL the client can PUT part `partNumber` to, without credentials, for `expiresInSeconds`;
   * it signs the part's Content-Length, so a body of any other size is refused by the storage.
   */
  presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresInSeconds: number,
    contentLength: number,
  ): Promise<string>;
  /** Assembles the parts into `key`: UploadRejectedError when they do not fit, BlobNotFoundError when the upload is gone. */
  completeMultipartUpload(key: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  /** The parts the storage holds so far, by part number (BlobNotFoundError when the upload is gone). */
  listParts(key: string, uploadId: string): Promise<StoredPart[]>;
  /** Drops an unfinished upload and its parts (done when it is already gone). */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}

/** True when `store` can take direct uploads. */
export function supportsDirectUploads(store: BlobStore): store is BlobStore & DirectUploads {
  return typeof (store as Partial<DirectUploads>).presignPart === 'function';
}
