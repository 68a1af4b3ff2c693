/** The request header naming a submission, so a retry of it answers the first one's token. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The answer header of a submission that was a replay of an earlier one (nothing new stored). */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

const MAX_KEY_LENGTH = 255;

/**
 * Why `key` is not a usable Idempotency-Key (1–255 printable ASCII characters, space included),
 * or null when it is. Shared by the api (400) and the CLI (which makes its keys).
 */
export function idempotencyKeyProblem(key: string): string | null {
  if (key.length === 0) return `${IDEMPOTENCY_KEY_HEADER} is empty`;
  if (key.length > MAX_KEY_LENGTH)
    return `${IDEMPOTENCY_KEY_HEADER} is ${key.length} characters long (at most ${MAX_KEY_LENGTH})`;
  if (!/^[\x20-\x7e]+$/.test(key))
    return `${IDEMPOTENCY_KEY_HEADER} must be printable ASCII (0x20–0x7E)`;
  return null;
}
