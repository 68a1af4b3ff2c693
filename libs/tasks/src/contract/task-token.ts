import { randomBytes } from 'node:crypto';

/**
 * A token's characters as a regular expression source, unanchored: 32 lowercase hex chars (the old
 * service's format). Every pattern that names a token (blob keys, prefixes, the OpenAPI schema) is
 * built from it.
 */
export const TOKEN_SOURCE = '[0-9a-f]{32}';

/** A whole string that is a token. */
export const TOKEN_PATTERN = new RegExp(`^${TOKEN_SOURCE}$`);

/** A new task token: 128 bits from the CSPRNG, as 32 lowercase hex chars. */
export function newTaskToken(): string {
  return randomBytes(16).toString('hex');
}

/** True for a well-formed token; anything else is answered 404 without touching Redis or disk. */
export function isTaskToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}
