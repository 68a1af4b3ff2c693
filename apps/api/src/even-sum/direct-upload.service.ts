import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { parseCallbackUrl } from '../tasks/callback-url.query';
import type { Request } from 'express';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { badRequest, notFound, TaskHttpError, unavailable } from '../http/task-http.errors';
import {
  IDEMPOTENT_REPLAYED_HEADER,
  TaskKind,
  isTaskToken,
  newTaskToken,
} from '@app/tasks/contract';
import {
  BlobNotFoundError,
  blobKeys,
  BlobStore,
  InjectBlobStore,
  DirectUploads,
  supportsDirectUploads,
  UploadRejectedError,
} from '@app/tasks/storage';
import { planUploadParts } from './upload-parts';
import { UploadSession, UploadSessionStore } from '@app/tasks/records';
import type { DirectUploadStateView, DirectUploadView } from '@app/tasks/contract';
import { TaskSubmitter } from '../tasks/task-submitter.service';
import { IdempotentSubmissions, isReplay } from '../tasks/idempotency.service';
import {
  completeBodyLimit,
  parseCompletedParts,
  parseUploadSize,
  readJson,
} from './direct-upload.body';

// The Idempotency-Key fingerprint of a direct-upload start (other routes' keys never match it).
const DIRECT_UPLOAD_REQUEST = 'even-sum-upload';

const NOT_FOUND =
  'upload not found: unknown, expired, already completed, or started by another client';

/**
 * Even-sum files that go straight to S3: the api starts a multipart upload and presigns its parts,
 * the client PUTs them, and on completion the task starts exactly as for a streamed upload.
 */
@Injectable()
export class DirectUploadService {
  private readonly logger = new Logger(DirectUploadService.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly sessions: UploadSessionStore,
    private readonly submitter: TaskSubmitter,
    private readonly idempotency: IdempotentSubmissions,
  ) {}

  /** The store's direct uploads; 409 when the blob store is a directory. */
  private uploads(): DirectUploads {
    if (!supportsDirectUploads(this.blobs) || this.config.storage.kind !== 's3') {
      throw new TaskHttpError(
        HttpStatus.CONFLICT,
        'direct uploads need STORAGE=s3; stream the file to POST /even-sum instead',
      );
    }
    return this.blobs;
  }

  /**
   * Starts a direct upload (see `open`). With an Idempotency-Key, the first request with it makes
   * the session and the same key answers that session again (its token, fresh URLs, 201 with
   * Idempotent-Replayed) while the key lives: a start whose answer was lost is retried without a
   * second session (and a second reservation). The key's fingerprint is the declared size: another
   * size is 422; concurrent requests with one key make one session (the others get 409).
   */
  async start(
    req: Request,
    body: unknown,
    client: string,
    key: string | undefined,
    requestedAt = Date.now(),
  ): Promise<DirectUploadView> {
    const uploads = this.uploads();
    const size = parseUploadSize(body, this.config.maxUploadBytes);
    const callbackUrl = parseCallbackUrl(
      (body as { callbackUrl?: unknown }).callbackUrl,
      this.config.webhooks,
    );
    const token = newTaskToken();
    const claimed =
      key === undefined
        ? undefined
        : await this.idempotency.claim(
            req,
            client,
            key,
            { request: `${DIRECT_UPLOAD_REQUEST}?size=${size}` },
            token,
          );
    if (claimed && isReplay(claimed)) {
      const view = await this.replay(claimed.token, client);
      req.res?.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
      return view;
    }
    try {
      const view = await this.open(uploads, size, client, token, requestedAt, callbackUrl);
      // A lost write only makes a retry wait for the claim's lease (409), then start anew.
      await claimed?.complete(size, DIRECT_UPLOAD_REQUEST).catch(() => undefined);
      return view;
    } catch (err) {
      await claimed?.release();
      throw err;
    }
  }

  /**
   * The session an Idempotency-Key started, as its start answered it (URLs presigned afresh, the
   * session kept alive like any request on it); 404 once it has ended (completed, aborted, expired).
   */
  private async replay(token: string, client: string): Promise<DirectUploadView> {
    const session = isTaskToken(token) ? await this.sessions.get(token) : undefined;
    if (!session || session.client !== client)
      throw notFound(
        `the upload this Idempotency-Key started (${token}) has ended: completed, aborted or expired; use a new key for a new upload`,
      );
    const touched = await this.touch(token, session);
    const urls = await this.presignAll(token, touched);
    return {
      token,
      partSize: touched.partSize,
      parts: urls.map((url, i) => ({ partNumber: i + 1, url })),
      expiresAt: new Date(touched.expiresAt).toISOString(),
    };
  }

  /** Fresh presigned URLs for every part of a session, each signed for its planned size. */
  private presignAll(token: string, session: UploadSession): Promise<string[]> {
    const { size, partSize, parts: count, uploadId } = session;
    const expiresIn = this.config.presignExpiresSeconds;
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        this.uploads().presignPart(
          blobKeys.evenSumInput(token),
          uploadId,
          i + 1,
          expiresIn,
          Math.min(partSize, size - i * partSize),
        ),
      ),
    );
  }

  /**
   * Reserves the declared size and a pending slot until the URLs expire (released on completion,
   * when the task takes them over, on abort, or at expiry), starts the multipart upload and
   * presigns every part for its exact size.
   */
  private async open(
    uploads: DirectUploads,
    size: number,
    client: string,
    token: string,
    requestedAt: number,
    callbackUrl: string | undefined,
  ): Promise<DirectUploadView> {
    const partBytes = this.config.storage.kind === 's3' ? this.config.storage.partBytes : 0;
    const { partSize, count } = planUploadParts(size, partBytes);
    const key = blobKeys.evenSumInput(token);
    const expiresIn = this.config.presignExpiresSeconds;
    const expiresAt = requestedAt + expiresIn * 1000;
    await this.submitter.reserveUpload(client, token, size, expiresAt);
    let uploadId: string | undefined;
    let urls: string[];
    try {
      uploadId = await uploads.createMultipartUpload(key);
      const id = uploadId;
      urls = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          uploads.presignPart(key, id, i + 1, expiresIn, Math.min(partSize, size - i * partSize)),
        ),
      );
      const session: UploadSession = {
        uploadId,
        client,
        size,
        partSize,
        parts: count,
        requestedAt,
        expiresAt,
        callbackUrl,
      };
      await this.sessions.create(token, session, expiresIn).catch((err: unknown) => {
        this.logger.error({ token, err }, 'cannot save the upload session');
        throw unavailable('the task store is unavailable, try again shortly');
      });
    } catch (err) {
      if (uploadId) await uploads.abortMultipartUpload(key, uploadId).catch(() => undefined);
      await this.submitter.release(client, token);
      throw err;
    }
    this.logger.log(
      { token, task: TaskKind.EvenSum, bytes: size, parts: count },
      'direct upload started',
    );
    return {
      token,
      partSize,
      parts: urls.map((url, i) => ({ partNumber: i + 1, url })),
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /** The client's live session of `token`: 409 in fs mode, 404 when unknown, expired or another's. */
  private async session(token: string, client: string): Promise<UploadSession> {
    this.uploads();
    const session = isTaskToken(token) ? await this.sessions.get(token) : undefined;
    if (!session || session.client !== client) throw notFound(NOT_FOUND);
    return session;
  }

  /**
   * The client is active: its session and reservation now expire PRESIGN_EXPIRES_SECONDS from now,
   * not from the start (a slow client comes back for fresh URLs anyway, as they expire too).
   */
  private async touch(
    token: string,
    session: UploadSession,
    now = Date.now(),
  ): Promise<UploadSession> {
    const expiresIn = this.config.presignExpiresSeconds;
    const touched = { ...session, expiresAt: now + expiresIn * 1000 };
    if (!(await this.sessions.touch(token, touched, expiresIn))) throw notFound(NOT_FOUND);
    // Re-reserving the same bytes replaces the session's own reservation: only its expiry moves.
    await this.submitter.reserveUpload(session.client, token, session.size, touched.expiresAt);
    return touched;
  }

  /**
   * Where an upload stands: the parts the bucket holds (number, size, ETag) and fresh URLs for
   * the missing ones, so a client that lost its network or its URLs resumes without re-sending
   * what is stored. A stored part whose size is not its planned size is listed as missing (it is
   * not this file's part; the PUT to its URL replaces it). Checks the session before asking S3.
   */
  async state(token: string, client: string): Promise<DirectUploadStateView> {
    const session = await this.touch(token, await this.session(token, client));
    const uploads = this.uploads();
    const key = blobKeys.evenSumInput(token);
    const { size, partSize, parts: count } = session;
    const planned = (n: number) => Math.min(partSize, size - (n - 1) * partSize);
    const stored = await uploads.listParts(key, session.uploadId).catch(async (err: unknown) => {
      if (!(err instanceof BlobNotFoundError)) throw err;
      // The upload was aborted under the session (the bucket's lifecycle rule): nothing to resume.
      await this.sessions.delete(token);
      await this.submitter.release(client, token);
      throw notFound(NOT_FOUND);
    });
    const held = new Map(
      stored
        .filter((p) => p.partNumber <= count && p.size === planned(p.partNumber))
        .map((p) => [p.partNumber, p]),
    );
    const urls = await this.presignAll(token, session);
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
    const session = await this.touch(token, await this.session(token, client));
    const uploads = this.uploads();
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
      if (err instanceof BlobNotFoundError) {
        await this.sessions.delete(token);
        await this.submitter.release(client, token);
        throw notFound(NOT_FOUND);
      }
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
    const session = await this.session(token, client);
    if (!(await this.sessions.claim(token)))
      throw new TaskHttpError(HttpStatus.CONFLICT, 'this upload is being completed');
    await this.uploads().abortMultipartUpload(blobKeys.evenSumInput(token), session.uploadId);
    await this.sessions.delete(token);
    await this.submitter.release(client, token);
    this.logger.log({ token, task: TaskKind.EvenSum }, 'direct upload aborted');
  }
}
