import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { tooLarge } from '../http/task-http.errors';

/**
 * Reads a body only to hash it (a replayed submission: nothing is stored), counting its bytes
 * against `maxBytes` (413 past it). Rejects when the client aborts.
 */
export async function digestBody(
  req: Request,
  maxBytes: number,
): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw tooLarge(`body exceeds the limit of ${maxBytes} bytes`);
    hash.update(chunk);
  }
  return { digest: hash.digest('hex'), bytes };
}

/** The sha256 of a body already in memory, as digestBody gives it. */
export function digestOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}
