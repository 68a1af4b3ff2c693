import { HttpStatus } from '@nestjs/common';
import type { Request } from 'express';
import { badRequest, TaskHttpError, tooLarge } from './task-http.errors';

export interface ReadBodyOptions {
  /** The whole body must arrive within this many ms of the start of reading, else 408. */
  deadlineMs?: number;
  /** The setting behind `deadlineMs`, named in the 408. */
  deadlineSetting?: string;
  /** Sees each piece's size before it is kept; throwing refuses the body with that error. */
  onBytes?: (bytes: number) => void;
}

/**
 * The declared Content-Length, or undefined for a chunked body; 413 (before any byte is read)
 * when it passes `limit`.
 */
export function declaredLength(req: Request, limit: number): number | undefined {
  const length = req.headers['content-length'];
  if (length === undefined) return undefined;
  if (Number(length) > limit)
    throw refuseBody(req, tooLarge(`body of ${length} bytes exceeds the limit of ${limit} bytes`));
  return Number(length);
}

/**
 * Reads a whole (small) body into memory with a hard limit (413 up front from Content-Length),
 * an optional deadline and a per-piece check. On any refusal reading stops and the connection is
 * closed after the answer, so the rest of the body is never read.
 */
export async function readBody(
  req: Request,
  limit: number,
  options: ReadBodyOptions = {},
): Promise<Buffer> {
  const declared = declaredLength(req, limit);
  return new Promise<Buffer>((resolve, reject) => {
    // With a Content-Length, one buffer of that size is filled in place: memory grows with the
    // bytes received (the pages are touched as they are written) and no final copy doubles it.
    const whole = declared === undefined ? undefined : Buffer.allocUnsafe(declared);
    const pieces: Buffer[] = [];
    let received = 0;
    let settled = false;
    const timer =
      options.deadlineMs === undefined
        ? undefined
        : setTimeout(
            () =>
              fail(
                new TaskHttpError(
                  HttpStatus.REQUEST_TIMEOUT,
                  `body not complete within ${options.deadlineMs} ms (${options.deadlineSetting ?? 'deadline'}): ${received} of ${declared ?? 'unknown'} bytes received`,
                ),
              ),
            options.deadlineMs,
          );

    const onData = (piece: Buffer) => {
      if (received + piece.length > limit)
        return fail(tooLarge(`body exceeds the limit of ${limit} bytes`));
      try {
        options.onBytes?.(piece.length);
      } catch (err) {
        return fail(err);
      }
      if (whole) piece.copy(whole, received);
      else pieces.push(piece);
      received += piece.length;
    };
    const onEnd = () => {
      if (declared !== undefined && received !== declared)
        return fail(badRequest('body length does not match Content-Length'));
      finish();
      resolve(whole ?? Buffer.concat(pieces, received));
    };
    // An IncomingMessage that closes before 'end' lost its client (reset, or cut by a timeout).
    const onClose = () => fail(badRequest('request aborted before the body was complete'));
    const onError = () => onClose();

    function finish(): void {
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onError);
    }
    function fail(err: unknown): void {
      if (settled) return;
      finish();
      pieces.length = 0;
      reject(refuseBody(req, err));
    }

    // A client that left while the guards ran (before this listens) sends no 'close' any more.
    if (req.destroyed) return onClose();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onError);
  });
}

/**
 * Prepares the answer to a body refused before it was read in full: the connection closes after
 * the answer (Node would otherwise read and discard the rest to reuse it), reading pauses, and a
 * refusal that says when to come back gets its Retry-After. Returns `err` for throwing.
 */
export function refuseBody(req: Request, err: unknown): unknown {
  req.pause();
  const res = req.res;
  if (res && !res.headersSent) {
    res.setHeader('Connection', 'close');
    const retryAfter = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  }
  return err;
}

/** The media type of a request without parameters, lowercased ("image/png; x=1" → "image/png"). */
export function mediaType(req: Request): string | undefined {
  return req.headers['content-type']?.split(';')[0].trim().toLowerCase() || undefined;
}
