import { withTimeout } from '../timing';

/** Errors ioredis and bull raise while Redis is unreachable (no offline queue, retries spent, timeouts). */
const UNAVAILABLE =
  /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max retries per request|Redis did not answer/i;

/** True when `err` means "Redis is not reachable right now" (answered 503, not 500). */
export function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined;
  return e?.name === 'MaxRetriesPerRequestError' || UNAVAILABLE.test(e?.message ?? '');
}

/** Rejects with a "Redis did not answer" error when `promise` takes longer than `ms` (bull's clients queue commands while offline). */
export function withRedisTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return withTimeout(promise, ms, () => new Error(`Redis did not answer within ${ms} ms`));
}
