import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { BLOB_STORE, BlobStore } from './blob-store';
import { FsBlobStore } from './fs-blob-store';
import { S3BlobStore } from './s3-blob-store';
import { createS3Client } from './s3-client';

/** Chooses the BlobStore backend from STORAGE, once. */
export function createBlobStore(config: AppConfig): BlobStore {
  switch (config.storage.kind) {
    case 'fs':
      return new FsBlobStore(config.storage.dataDir);
    case 's3':
      return new S3BlobStore(createS3Client(config.storage), {
        bucket: config.storage.bucket,
        partBytes: config.storage.partBytes,
      });
  }
}

@Global()
@Module({
  providers: [{ provide: BLOB_STORE, inject: [APP_CONFIG], useFactory: createBlobStore }],
  exports: [BLOB_STORE],
})
export class StorageModule {}
