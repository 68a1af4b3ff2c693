import type { DirectUploadView } from '@app/tasks/contract';
import type { ApiClient } from '../api';
import { CliError, ExitCode, InterruptedError } from '../exit-codes';
import { checkPlan } from './presigned-upload';
import { sendMissingParts } from './resumable-upload';
import { reachedButUnanswered, submitWithRetries } from './retry-submission';

/** auto: presigned multipart when the server offers it (S3 mode), else streamed through the api. */
export type UploadMode = 'auto' | 'stream' | 'presigned';
export const UPLOAD_MODES: readonly UploadMode[] = ['auto', 'stream', 'presigned'];

export interface UploadNumbersOptions {
  mode: UploadMode;
  /** Where the service POSTs (signed) when the task ends. */
  callbackUrl?: string;
  /** Bytes sent so far (it can step back when a failed part is retried). */
  onProgress: (bytesSent: number) => void;
  /** Told when the upload goes straight to storage, before the first part. */
  onPresigned?: (plan: DirectUploadView) => void;
  /** Told when a streamed upload, or a direct upload's start, failed on the way and is sent again (same Idempotency-Key). */
  onRetry?: (err: Error, attempt: number) => void;
  /** Parts in flight at once in presigned mode. */
  concurrency?: number;
  /** Told when a presigned upload failed and resumes from the parts the bucket holds. */
  onResume?: (cause: Error) => void;
}

/** Uploads an even-sum input file and starts its task; resolves with the token and the way it went. */
export async function uploadNumbersFile(
  client: ApiClient,
  file: string,
  size: number,
  options: UploadNumbersOptions,
): Promise<{ token: string; via: 'stream' | 'presigned' }> {
  let sent = 0;
  const onBytes = (delta: number) => options.onProgress((sent += delta));
  let via: 'stream' | 'presigned' = 'stream';
  try {
    // The probe is cheap and answers "not here" (404/409) on a server that stores uploads itself.
    // An empty file has no parts to presign: it is always streamed.
    const probe = options.mode === 'presigned' || (options.mode === 'auto' && size > 0);
    // One Idempotency-Key for the start and its retries: a lost answer never makes two sessions.
    const plan = probe
      ? await submitWithRetries(
          client.signal,
          (key) => client.uploads.start(size, key, options.callbackUrl),
          options.onRetry,
          reachedButUnanswered,
        )
      : undefined;
    if (!plan) {
      if (options.mode === 'presigned') {
        throw new CliError(
          'the server does not offer presigned uploads (it stores uploads itself: use --upload auto or stream)',
          ExitCode.Failed,
        );
      }
      // One Idempotency-Key for the upload and its retries: a retry never makes a second task.
      const token = await submitWithRetries(
        client.signal,
        (key, attempt) => {
          if (attempt > 1) options.onProgress((sent = 0));
          return client.uploads.streamEvenSum(file, size, onBytes, key, options.callbackUrl);
        },
        options.onRetry,
      );
      return { token, via };
    }
    via = 'presigned';
    options.onPresigned?.(plan);
    checkPlan(plan, size);
    const parts = await sendMissingParts(
      client,
      plan.token,
      { partSize: plan.partSize, stored: [], missing: plan.parts },
      {
        file,
        size,
        signal: client.signal,
        onBytes,
        concurrency: options.concurrency,
        onResume: options.onResume,
      },
    );
    return { token: await client.uploads.complete(plan.token, parts), via };
  } catch (err) {
    if (!(err instanceof InterruptedError)) throw err;
    // A stream cut short is discarded by the api; unfinished multipart parts expire in the bucket.
    throw new InterruptedError(
      `upload aborted: no task was created${via === 'presigned' ? ' (the bucket drops the unfinished parts)' : ''}`,
    );
  }
}
