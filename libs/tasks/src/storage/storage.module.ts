import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BLOB_STORE, BlobStore } from './blob-store';
import { FsBlobStore } from './fs-blob-store';

/** Chooses the BlobStore backend from STORAGE, once. */
export function createBlobStore(config: AppConfig): BlobStore {
  switch (config.storage.kind) {
    case 'fs':
      return new FsBlobStore(config.storage.dataDir);
    case 's3':
      throw new Error('STORAGE=s3 is not available yet');
  }
}

@Global()
@Module({
  providers: [{ provide: BLOB_STORE, inject: [APP_CONFIG], useFactory: createBlobStore }],
  exports: [BLOB_STORE],
})
export class StorageModule {}
