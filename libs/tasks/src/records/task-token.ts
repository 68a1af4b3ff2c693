import { randomBytes } from 'node:crypto';

const TOKEN_PATTERN = /^[0-9a-f]{32}$/;

/** A new task token: 128 bits from the CSPRNG, as 32 lowercase hex chars (the old service's format). */
export function newTaskToken(): string {
  return randomBytes(16).toString('hex');
}

/** True for a well-formed token; anything else is answered 404 without touching Redis or disk. */
export function isTaskToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}
