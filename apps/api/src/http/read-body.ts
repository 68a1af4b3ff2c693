import type { Request } from 'express';
import getRawBody from 'raw-body';
import { badRequest, tooLarge } from '@app/tasks/http/task-http.errors';

/** Reads a whole (small) body into memory with a hard limit; 413 up front from Content-Length. */
export async function readBody(req: Request, limit: number): Promise<Buffer> {
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > limit)
    throw tooLarge(`body of ${length} bytes exceeds the limit of ${limit} bytes`);
  try {
    return await getRawBody(req, { limit, length });
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') throw tooLarge(`body exceeds the limit of ${limit} bytes`);
    if (type === 'request.aborted')
      throw badRequest('request aborted before the body was complete');
    if (type === 'request.size.invalid')
      throw badRequest('body length does not match Content-Length');
    throw err;
  }
}

/** The media type of a request without parameters, lowercased ("image/png; x=1" → "image/png"). */
export function mediaType(req: Request): string | undefined {
  return req.headers['content-type']?.split(';')[0].trim().toLowerCase() || undefined;
}
