// Blob storage (filesystem or S3) behind one BlobStore interface, and S3 direct uploads.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export {
  BLOB_STORE,
  BlobNotFoundError,
  BlobTooLargeError,
  InjectBlobStore,
  StorageUnavailableError,
  assertBlobKey,
  blobKeys,
} from './blob-store';
export type { BlobStore } from './blob-store';
export { UploadRejectedError, supportsDirectUploads } from './direct-uploads';
export type { DirectUploads, StoredPart, UploadedPart } from './direct-uploads';
export { supportsPresignedReads } from './presigned-reads';
export type { PresignedReads } from './presigned-reads';
export { FsBlobStore } from './fs-blob-store';
export { S3BlobStore } from './s3-blob-store';
export { createS3Client } from './s3-client';
export { StorageModule } from './storage.module';
