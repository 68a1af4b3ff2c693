import { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { AppConfig } from '../config';

/** The S3 part of the configuration (STORAGE=s3). */
export type S3StorageConfig = Extract<AppConfig['storage'], { kind: 's3' }>;

/**
 * The S3 client of both apps. Credentials come from the standard AWS chain (env, profile, ECS task
 * role) unless `overrides` gives them (tests).
 */
export function createS3Client(
  storage: Pick<S3StorageConfig, 'region' | 'endpoint' | 'forcePathStyle'>,
  overrides: S3ClientConfig = {},
): S3Client {
  return new S3Client({
    region: storage.region,
    endpoint: storage.endpoint,
    forcePathStyle: storage.forcePathStyle,
    // Checksums only where S3 demands them: otherwise a presigned UploadPart URL carries the CRC32
    // of an empty body and AWS refuses the client's PUT; S3-compatible servers also differ here.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A dead endpoint fails a readiness probe in seconds rather than hanging it.
    requestHandler: { connectionTimeout: 5000 },
    ...overrides,
  });
}
