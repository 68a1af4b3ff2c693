import { BlobNotFoundError, StorageUnavailableError } from './blob-store';

// Errors that say the bucket cannot be used right now (missing, no permission, overloaded, unreachable).
const UNAVAILABLE = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'RequestTimeTooSkewed',
  'CredentialsProviderError',
  'ServiceUnavailable',
  'SlowDown',
  'InternalError',
  'TimeoutError',
  'RequestTimeout',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
]);

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The S3 error code of an SDK error ("NoSuchKey", "NotFound" for a HEAD, …). */
export function s3ErrorName(err: unknown): string | undefined {
  return (err as SdkError | undefined)?.name;
}

/** Translates an SDK error into the BlobStore's errors: missing key, unusable storage, or itself. */
export function fromS3Error(err: unknown, key?: string): unknown {
  const e = err as SdkError | undefined;
  const name = e?.name ?? '';
  // A HEAD has no body, so S3 can only say "NotFound" for a missing key.
  if (key !== undefined && (name === 'NoSuchKey' || name === 'NotFound'))
    return new BlobNotFoundError(key);
  const status = e?.$metadata?.httpStatusCode ?? 0;
  if (UNAVAILABLE.has(name) || status >= 500 || NETWORK.has(e?.code ?? '')) {
    return new StorageUnavailableError(
      `storage unavailable (${name === 'Error' ? e?.code : name || status})`,
    );
  }
  return err;
}

/** A `.catch` handler that rethrows an SDK error as the BlobStore's error for `key`. */
export function rethrow(key?: string): (err: unknown) => never {
  return (err) => {
    throw fromS3Error(err, key);
  };
}
