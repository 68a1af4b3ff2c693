import { z } from 'zod';
import { bool, EnvOf, GiB, int, MiB, optionalString } from './env-fields';

/** The blob store variables (filesystem or S3, presigned URLs), with their defaults. */
export const storageEnv = {
  STORAGE: z.enum(['fs', 's3']).default('fs'),
  DATA_DIR: z.string().min(1).default('./data'),
  S3_BUCKET: optionalString,
  S3_REGION: z.string().default('us-east-1'),
  S3_ENDPOINT: optionalString,
  S3_FORCE_PATH_STYLE: bool.default('false'),
  // Part size of multipart uploads (streamed through the api and presigned): S3 wants >= 5 MiB
  // parts; the api buffers up to 4 parts per streamed upload, so this bounds its memory too.
  S3_PART_BYTES: int(5 * MiB, 5 * GiB).default(8 * MiB),
  // Lifetime of presigned part URLs (direct uploads), and of an upload session after the client's
  // last request on it (start, GET to resume, complete); an unfinished upload is aborted after it.
  // A few seconds are allowed so that the tests can see a session expire.
  PRESIGN_EXPIRES_SECONDS: int(2, 7 * 86400).default(3600),
  // Lifetime of a presigned result download (GET …/result?redirect=true, STORAGE=s3): short, as the
  // URL is a bearer credential for the result; the client follows it at once.
  RESULT_URL_EXPIRES_SECONDS: int(1, 7 * 86400).default(60),
};

/** AppConfig's part for the blob store. */
export interface StorageConfig {
  storage:
    | { kind: 'fs'; dataDir: string }
    | {
        kind: 's3';
        bucket: string;
        region: string;
        endpoint?: string;
        forcePathStyle: boolean;
        partBytes: number;
        dataDir: string;
      };
  /** Lifetime of presigned direct-upload URLs (STORAGE=s3 only). */
  presignExpiresSeconds: number;
  /** Lifetime of presigned result downloads (STORAGE=s3 only). */
  resultUrlExpiresSeconds: number;
}

/**
 * Reads the blob store variables into their part of AppConfig; adds to `problems` what the
 * schema alone cannot see (a bucket STORAGE=s3 needs).
 */
export function storageConfig(e: EnvOf<typeof storageEnv>, problems: string[]): StorageConfig {
  if (e.STORAGE === 's3' && !e.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE=s3');
  return {
    storage:
      e.STORAGE === 's3'
        ? {
            kind: 's3',
            bucket: e.S3_BUCKET!,
            region: e.S3_REGION,
            endpoint: e.S3_ENDPOINT,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            partBytes: e.S3_PART_BYTES,
            dataDir: e.DATA_DIR,
          }
        : { kind: 'fs', dataDir: e.DATA_DIR },
    presignExpiresSeconds: e.PRESIGN_EXPIRES_SECONDS,
    resultUrlExpiresSeconds: e.RESULT_URL_EXPIRES_SECONDS,
  };
}
