import type { Request } from 'express';
import { z } from 'zod';
import { badRequest, tooLarge } from '../http/task-http.errors';
import { UploadedPart } from '@app/tasks/storage';
import { mediaType, readBody } from '../http/read-body';

// The start route's body is {"size": n}: a few bytes, with room for whitespace.
const START_JSON_BYTES = 4096;
// An S3 ETag is a quoted MD5 ("<32 hex>", 34 characters); allow S3-compatible servers some more.
const MAX_ETAG_CHARS = 128;
// One {"partNumber":10000,"etag":"…"}, its ETag's quotes escaped, a comma and some whitespace.
const PART_JSON_BYTES = 64 + 2 * MAX_ETAG_CHARS;

/** The largest completion body a session of `parts` parts needs: more is refused unread (413). */
export function completeBodyLimit(parts: number): number {
  return 1024 + parts * PART_JSON_BYTES;
}

/** Reads a small JSON body (these routes carry no files) of at most `maxBytes`; 400 when it is not JSON. */
export async function readJson(req: Request, maxBytes = START_JSON_BYTES): Promise<unknown> {
  if (mediaType(req) !== 'application/json')
    throw badRequest(`Content-Type must be application/json (got ${mediaType(req) ?? 'none'})`);
  const text = (await readBody(req, maxBytes)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('body is not valid JSON');
  }
}

/** The declared size of a direct upload: a positive integer (400) within MAX_UPLOAD_BYTES (413). */
export function parseUploadSize(body: unknown, maxBytes: number): number {
  const size = (body as { size?: unknown } | null)?.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) {
    throw badRequest(
      'size must be the file size in bytes, a positive integer (an empty file can be streamed to POST /even-sum)',
    );
  }
  if (size > maxBytes)
    throw tooLarge(`size of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
  return size;
}

const partsSchema = z.object({
  parts: z
    .array(
      z
        .object({
          partNumber: z.number().int().min(1),
          etag: z.string().min(1).max(MAX_ETAG_CHARS),
        })
        .strict(),
    )
    .min(1),
});

/** The part list of a completion: every part 1..count exactly once, each with its ETag; else 400. */
export function parseCompletedParts(body: unknown, count: number): UploadedPart[] {
  const parsed = partsSchema.safeParse(body);
  if (!parsed.success) {
    throw badRequest(
      `body must be {"parts":[{"partNumber":1,"etag":"..."}, ...]}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const { parts } = parsed.data;
  const seen = new Set<number>();
  for (const { partNumber } of parts) {
    if (partNumber > count)
      throw badRequest(`part ${partNumber} does not exist: this upload has parts 1..${count}`);
    if (seen.has(partNumber)) throw badRequest(`part ${partNumber} is listed twice`);
    seen.add(partNumber);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !seen.has(n));
  if (missing.length)
    throw badRequest(
      `parts missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} (every part 1..${count} must be uploaded and listed)`,
    );
  return parts;
}
