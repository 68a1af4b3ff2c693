import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { badRequest, TaskHttpError } from '../http/task-http.errors';
import { TaskKind } from '@app/tasks/contract';
import type { DirectUploadStateView } from '@app/tasks/contract';
import {
  BlobNotFoundError,
  blobKeys,
  BlobStore,
  InjectBlobStore,
  UploadRejectedError,
} from '@app/tasks/storage';
import { UploadSessionStore } from '@app/tasks/records';
import { TaskSubmitter } from '../tasks/task-submitter.service';
import { completeBodyLimit, parseCompletedParts, readJson } from './direct-upload.body';
import { DirectUploadSessions } from './direct-upload-sessions.service';

/**
 * Even-sum files that go straight to S3: the api starts a multipart upload and presigns its parts
 * (DirectUploadStarter), the client PUTs them, and on completion the task starts exactly as for a
 * streamed upload. This is every step of a session after its start: resume, complete, abort.
 */
@Injectable()
export class DirectUploadService {
  private readonly logger = new Logger(DirectUploadService.name);

  constructor(
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly sessions: UploadSessionStore,
    private readonly live: DirectUploadSessions,
    private readonly submitter: TaskSubmitter,
  ) {}

  /**
   * Where an upload stands: the parts the bucket holds (number, size, ETag) and fresh URLs for
   * the missing ones, so a client that lost its network or its URLs resumes without re-sending
   * what is stored. A stored part whose size is not its planned size is listed as missing (it is
   * not this file's part; the PUT to its URL replaces it). Checks the session before asking S3.
   */
  async state(token: string, client: string): Promise<DirectUploadStateView> {
    const session = await this.live.touch(token, await this.live.session(token, client));
    const uploads = this.live.uploads();
    const key = blobKeys.evenSumInput(token);
    const { size, partSize, parts: count } = session;
    const planned = (n: number) => Math.min(partSize, size - (n - 1) * partSize);
    const stored = await uploads.listParts(key, session.uploadId).catch((err: unknown) => {
      if (!(err instanceof BlobNotFoundError)) throw err;
      // Aborted under the session: nothing to resume (ends it and answers 404).
      return this.live.vanished(token, client);
    });
    const held = new Map(
      stored
        .filter((p) => p.partNumber <= count && p.size === planned(p.partNumber))
        .map((p) => [p.partNumber, p]),
    );
    const urls = await this.live.presignAll(token, session);
    return {
      token,
      size,
      partSize,
      stored: [...held.values()].map((p) => ({ ...p, url: urls[p.partNumber - 1] })),
      missing: urls
        .map((url, i) => ({ partNumber: i + 1, url }))
        .filter((p) => !held.has(p.partNumber)),
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  }

  /**
   * Assembles the parts, checks the object has the declared size, and submits the task as the
   * streaming route does (its lead time counted from the start of the upload). The storage mode
   * and the session are checked before the body is read, and the body is read only up to what
   * the session's parts need.
   */
  async complete(token: string, req: Request, client: string): Promise<string> {
    // Touched first: a completion the storage refuses leaves the client a whole period to fix it.
    const session = await this.live.touch(token, await this.live.session(token, client));
    const uploads = this.live.uploads();
    const parts = parseCompletedParts(
      await readJson(req, completeBodyLimit(session.parts)),
      session.parts,
    );
    if (!(await this.sessions.claim(token)))
      throw new TaskHttpError(HttpStatus.CONFLICT, 'this upload is already being completed');
    const key = blobKeys.evenSumInput(token);
    try {
      await uploads.completeMultipartUpload(key, session.uploadId, parts);
    } catch (err) {
      // Aborted under the session: ends it and answers 404.
      if (err instanceof BlobNotFoundError) return this.live.vanished(token, client);
      // Wrong ETags and the like: the parts are still there, the client may complete again.
      await this.sessions.release(token);
      if (err instanceof UploadRejectedError)
        throw badRequest(`the storage refused these parts (${err.message})`);
      throw err;
    }
    // From here the upload is an object: the session ends whatever happens, but only once a task
    // record exists or the object is gone (the cleaner spares a token with a session).
    let submitted = false;
    try {
      const bytes = await this.blobs.size(key);
      if (bytes !== session.size) {
        await this.submitter.discard(token);
        throw badRequest(`the parts hold ${bytes} bytes, not the ${session.size} declared`);
      }
      // Converts the session's reservation into the task's.
      await this.submitter.submit({
        token,
        task: TaskKind.EvenSum,
        client,
        requestedAt: session.requestedAt,
        inputKey: key,
        bytes,
        callbackUrl: session.callbackUrl,
      });
      submitted = true;
    } finally {
      if (!submitted) await this.submitter.release(client, token);
      await this.sessions
        .delete(token)
        .catch((err: unknown) => this.logger.warn({ token, err }, 'cannot end the upload session'));
    }
    return token;
  }

  /** Drops an unfinished upload, its parts and its reservation (the client gave up). */
  async abort(token: string, client: string): Promise<void> {
    const session = await this.live.session(token, client);
    if (!(await this.sessions.claim(token)))
      throw new TaskHttpError(HttpStatus.CONFLICT, 'this upload is being completed');
    await this.live.uploads().abortMultipartUpload(blobKeys.evenSumInput(token), session.uploadId);
    await this.sessions.delete(token);
    await this.submitter.release(client, token);
    this.logger.log({ token, task: TaskKind.EvenSum }, 'direct upload aborted');
  }
}
