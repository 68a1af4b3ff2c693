import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DirectUploadStateView, PresignedPartView } from '@app/tasks/contract';
import type { ApiClient, CompletedPart } from '../api';
import { ServerError, UnreachableError, UsageError } from '../exit-codes';
import { partRange, PartUploadOptions, sendParts } from './presigned-upload';

/** Rounds in a row that store no new part before the CLI gives up (and prints how to resume). */
const MAX_FRUITLESS_ROUNDS = 3;

export interface ResumableOptions extends PartUploadOptions {
  /** Told when a round failed and the CLI comes back for the session's state. */
  onResume?: (cause: Error) => void;
}

/** Where an upload stands from the client's side: the parts it may list, the parts still to PUT. */
export interface UploadProgress {
  partSize: number;
  stored: readonly CompletedPart[];
  missing: readonly PresignedPartView[];
}

/**
 * Sends the missing parts of direct upload `token`; when a round fails in a way a fresh start can
 * mend (the network, URLs expired: 403, storage hiccups), asks the api which parts the bucket holds
 * and sends only the others. Gives up after MAX_FRUITLESS_ROUNDS rounds in a row that store
 * nothing new. Resolves with every part's ETag for the completion call.
 */
export async function sendMissingParts(
  client: ApiClient,
  token: string,
  start: UploadProgress,
  options: ResumableOptions,
): Promise<CompletedPart[]> {
  const done = new Map(start.stored.map((p) => [p.partNumber, p.etag]));
  let missing = start.missing;
  let fruitless = 0;
  for (;;) {
    try {
      for (const p of await sendParts({ partSize: start.partSize, parts: missing }, options))
        done.set(p.partNumber, p.etag);
      return [...done].map(([partNumber, etag]) => ({ partNumber, etag }));
    } catch (err) {
      if (options.signal.aborted || !mendable(err) || ++fruitless >= MAX_FRUITLESS_ROUNDS)
        throw err;
      options.onResume?.(err as Error);
      await sleep((options.backoffMs ?? 500) * 2 ** fruitless, undefined, {
        signal: options.signal,
      }).catch(() => undefined);
      let state: DirectUploadStateView;
      try {
        state = await client.uploads.state(token);
      } catch (stateErr) {
        if (options.signal.aborted || !mendable(stateErr)) throw stateErr;
        continue;
      }
      const before = done.size;
      for (const p of state.stored) done.set(p.partNumber, p.etag);
      if (done.size > before) fruitless = 0;
      missing = state.missing;
    }
  }
}

/**
 * `tasks even-sum --resume <token> FILE`: checks the file is the upload's (its size, and each
 * stored part's MD5 when the ETag is one), sends only what the bucket lacks or holds wrong, and
 * completes. Resolves with the token of the task.
 */
export async function resumeUpload(
  client: ApiClient,
  token: string,
  file: string,
  size: number,
  options: ResumableOptions & { onState?: (state: DirectUploadStateView) => void },
): Promise<string> {
  const state = await client.uploads.state(token).catch((err: unknown) => {
    if (err instanceof ServerError && err.status === 404)
      throw new UsageError(`no upload ${token} to resume: ${err.serverMessage}`);
    throw err;
  });
  if (state.size !== size) {
    throw new UsageError(
      `${file} has ${size} bytes but upload ${token} is of ${state.size}: resume it with the same file`,
    );
  }
  options.onState?.(state);
  const stored: CompletedPart[] = [];
  const missing: PresignedPartView[] = [...state.missing];
  for (const part of state.stored) {
    const md5 = /^"?([0-9a-f]{32})"?$/i.exec(part.etag)?.[1];
    const range = partRange(part.partNumber, state.partSize, size);
    if (md5 && md5.toLowerCase() !== (await md5Of(file, range))) {
      missing.push({ partNumber: part.partNumber, url: part.url });
    } else {
      stored.push({ partNumber: part.partNumber, etag: part.etag });
      options.onBytes(range.end - range.start);
    }
  }
  const parts = await sendMissingParts(
    client,
    token,
    { partSize: state.partSize, stored, missing },
    options,
  );
  return client.uploads.complete(token, parts);
}

/** Worth a fresh start from the session's state: the network, expired URLs (403), storage hiccups. */
function mendable(err: unknown): boolean {
  if (err instanceof UnreachableError) return true;
  if (err instanceof ServerError)
    return err.status === 403 || err.status === 408 || err.status === 429 || err.status >= 500;
  return false;
}

/** Hex MD5 of bytes [start, end) of `file` (a single PUT's ETag on S3). */
async function md5Of(file: string, range: { start: number; end: number }): Promise<string> {
  const hash = createHash('md5');
  if (range.end > range.start) {
    for await (const chunk of createReadStream(file, { start: range.start, end: range.end - 1 }))
      hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
