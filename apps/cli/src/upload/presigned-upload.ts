import { setTimeout as sleep } from 'node:timers/promises';
import type { DirectUploadView, PresignedPartView } from '@app/tasks/contract';
import type { CompletedPart } from '../api';
import { CliError, ExitCode, InterruptedError, ServerError } from '../exit-codes';
import { networkCode, requestError, serverError } from '../http-errors';
import { sendFile } from './send-file';

export interface PartUploadOptions {
  file: string;
  size: number;
  signal: AbortSignal;
  /** Bytes sent (negative when a failed part's bytes are taken back before its retry). */
  onBytes: (delta: number) => void;
  /** Parts in flight at once. */
  concurrency?: number;
  /** Attempts per part, the first included. */
  tries?: number;
  /** Wait before the 2nd attempt; doubled for each further one. */
  backoffMs?: number;
}

/** A part's byte range: part n (from 1) covers [(n-1)·partSize, n·partSize), the last one ending at the file's end. */
export function partRange(
  partNumber: number,
  partSize: number,
  size: number,
): { start: number; end: number } {
  const start = (partNumber - 1) * partSize;
  return { start, end: Math.min(start + partSize, size) };
}

/** PUTs every part of a new upload (see sendParts), once the plan is checked to cover the file. */
export async function uploadParts(
  plan: Pick<DirectUploadView, 'partSize' | 'parts'>,
  options: PartUploadOptions,
): Promise<CompletedPart[]> {
  checkPlan(plan, options.size);
  return sendParts(plan, options);
}

/** Checks that the server's plan of a new upload has every part of a file of `size` bytes. */
export function checkPlan(plan: Pick<DirectUploadView, 'partSize' | 'parts'>, size: number): void {
  const { partSize } = plan;
  const parts = [...plan.parts].sort((a, b) => a.partNumber - b.partNumber);
  const expected = Math.max(1, Math.ceil(size / partSize));
  if (parts.length !== expected || parts.some((p, i) => p.partNumber !== i + 1)) {
    throw new Error(
      `the server's upload plan has ${parts.length} parts for a file of ${expected} parts of ${partSize} bytes`,
    );
  }
}

/**
 * PUTs the given parts of the file to their presigned URLs, `concurrency` at a time, retrying a
 * part that fails on the network or with a 5xx/429 (storage throttles and hiccups; a 403 from an
 * expired or wrong signature will not get better with the same URL). The first part that fails for
 * good cancels the others. Returns the sent parts' ETags, in part order.
 */
export async function sendParts(
  plan: { partSize: number; parts: readonly PresignedPartView[] },
  options: PartUploadOptions,
): Promise<CompletedPart[]> {
  const { size } = options;
  const { partSize } = plan;
  const parts = [...plan.parts].sort((a, b) => a.partNumber - b.partNumber);
  if (!parts.length) return [];
  // One failed part stops the others: no point sending gigabytes that cannot be completed.
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const done: CompletedPart[] = [];
  let failure: unknown;
  let next = 0;
  const lane = async () => {
    while (next < parts.length && !signal.aborted) {
      const part = parts[next++];
      done.push({
        partNumber: part.partNumber,
        etag: await uploadPart(part, partRange(part.partNumber, partSize, size), {
          ...options,
          signal,
        }),
      });
    }
  };
  const lanes = Array.from({ length: Math.min(options.concurrency ?? 4, parts.length) }, () =>
    lane().catch((err: unknown) => {
      // The first failure is the cause; the others are only its cancellation.
      failure ??= err;
      stop.abort(err);
    }),
  );
  await Promise.all(lanes);
  if (options.signal.aborted) throw new InterruptedError('upload aborted');
  if (failure !== undefined) throw failure;
  return done.sort((a, b) => a.partNumber - b.partNumber);
}

async function uploadPart(
  part: { partNumber: number; url: string },
  range: { start: number; end: number },
  options: PartUploadOptions,
): Promise<string> {
  const tries = options.tries ?? 3;
  for (let attempt = 1; ; attempt++) {
    let sent = 0;
    try {
      // No Authorization header: the URL carries its own signature, and the API key must not leak to storage.
      const reply = await sendFile({
        url: part.url,
        method: 'PUT',
        headers: {},
        file: options.file,
        ...range,
        signal: options.signal,
        onBytes: (n) => {
          sent += n;
          options.onBytes(n);
        },
      });
      if (reply.status < 200 || reply.status > 299) throw serverError(reply.status, reply.body);
      const etag = reply.headers.etag;
      if (!etag)
        throw new CliError(
          `part ${part.partNumber}: storage answered without an ETag header`,
          ExitCode.Failed,
        );
      return etag;
    } catch (err) {
      options.onBytes(-sent);
      if (options.signal.aborted || attempt >= tries || !retryable(err)) {
        if (err instanceof ServerError) {
          throw new ServerError(`part ${part.partNumber}: ${err.serverMessage}`, err.status);
        }
        throw requestError(err, new URL(part.url).origin, options.signal);
      }
      await sleep((options.backoffMs ?? 500) * 2 ** (attempt - 1), undefined, {
        signal: options.signal,
      }).catch(() => undefined);
    }
  }
}

function retryable(err: unknown): boolean {
  if (err instanceof ServerError)
    return err.status >= 500 || err.status === 429 || err.status === 408;
  return networkCode(err) !== undefined;
}
