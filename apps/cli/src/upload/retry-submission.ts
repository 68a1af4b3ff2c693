import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, ServerError, UnreachableError } from '../exit-codes';

/** Attempts of one submission (the first and its retries). */
export const SUBMIT_ATTEMPTS = 4;

/**
 * Runs a submission with one Idempotency-Key for all its attempts, retrying what may have failed
 * only on the way back: a lost connection (the server may have made the task and its answer was
 * lost: the retry gets that task's token, not a second task), a 5xx, or a 409 "still in progress"
 * (the first attempt is still being stored: wait its Retry-After). Anything else is final.
 */
export async function submitWithRetries<T>(
  signal: AbortSignal,
  submit: (idempotencyKey: string, attempt: number) => Promise<T>,
  onRetry?: (err: Error, attempt: number) => void,
  retryable: (err: unknown) => err is Error = mayHaveFailedOnTheWayBack,
): Promise<T> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      return await submit(key, attempt);
    } catch (err) {
      if (!retryable(err) || attempt >= SUBMIT_ATTEMPTS || signal.aborted) throw err;
      onRetry?.(err, attempt);
      const retryAfter = err instanceof ServerError ? Number(err.retryAfter) : NaN;
      const waitMs = Number.isFinite(retryAfter) ? retryAfter * 1000 : 500 * 2 ** (attempt - 1);
      try {
        await sleep(waitMs, undefined, { signal });
      } catch {
        throw new InterruptedError('upload aborted');
      }
    }
  }
}

/** A lost connection, a 5xx or a 409 "in progress": a retry with the same key may mend it. */
export function mayHaveFailedOnTheWayBack(err: unknown): err is UnreachableError | ServerError {
  return (
    err instanceof UnreachableError ||
    (err instanceof ServerError && (err.status >= 500 || err.status === 409))
  );
}

/**
 * The same, except a server never reached: retried by the streamed upload (an api restarting),
 * not by a cheap probe, which then reports it at once.
 */
export function reachedButUnanswered(err: unknown): err is UnreachableError | ServerError {
  return (
    mayHaveFailedOnTheWayBack(err) && !(err instanceof UnreachableError && !err.mayHaveArrived)
  );
}
