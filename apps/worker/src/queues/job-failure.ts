import { BlobNotFoundError } from '@app/tasks/storage';
import { PermanentTaskError } from '@app/tasks/records';

/** Bad input and missing blobs cannot be fixed by retrying. */
export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentTaskError || err instanceof BlobNotFoundError;
}

/** The message a client sees for a failed task. */
export function clientMessage(err: unknown): string {
  if (err instanceof BlobNotFoundError)
    return 'input file is missing from storage (expired or deleted)';
  if (err instanceof PermanentTaskError) return err.message;
  // bull's words for a job whose worker vanished mid-job more than maxStalledCount times.
  if (/stalled more than allowable limit/.test((err as Error)?.message ?? '')) {
    return 'processing was interrupted repeatedly (its worker stopped or crashed while running it); submit the task again';
  }
  return `processing failed after retries: ${(err as Error)?.message ?? String(err)}`;
}
