/**
 * Whether `promise` settles within `ms`: true when it resolves in time, false when time runs out
 * (a rejection in time passes through). The timer is cleared when it settles and never keeps the
 * process alive on its own.
 */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms).unref();
  });
  return Promise.race([promise.then(() => true), expired]).finally(() => clearTimeout(timer));
}

/** `promise`, or a rejection with `timeoutError()` when it has not settled within `ms`. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  timeoutError: () => Error,
): Promise<T> {
  if (!(await settlesWithin(promise, ms))) throw timeoutError();
  return promise;
}
