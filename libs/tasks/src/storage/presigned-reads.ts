import { BlobStore } from './blob-store';

/**
 * Downloads that bypass the api: a URL the client GETs from the storage itself, without credentials,
 * until it expires. S3 implements it; a directory store cannot hand out URLs.
 */
export interface PresignedReads {
  /** A URL that serves `key` with `contentType` for `expiresInSeconds`. Does not check that `key` exists. */
  presignRead(key: string, expiresInSeconds: number, contentType: string): Promise<string>;
}

/** True when `store` can hand out download URLs. */
export function supportsPresignedReads(store: BlobStore): store is BlobStore & PresignedReads {
  return typeof (store as Partial<PresignedReads>).presignRead === 'function';
}
