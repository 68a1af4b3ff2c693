import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig, InjectConfig } from '@app/tasks/config/app-config';
import { badRequest, notFound, TaskHttpError, unavailable } from '@app/tasks/http/task-http.errors';
import { ClientUsageStore } from '@app/tasks/limits/client-usage.store';
import { JobName, TaskKind } from '@app/tasks/queues/queue-names';
import {
  BlobNotFoundError,
  blobKeys,
  BlobStore,
  InjectBlobStore,
} from '@app/tasks/storage/blob-store';
import {
  DirectUploads,
  supportsDirectUploads,
  UploadRejectedError,
} from '@app/tasks/storage/direct-uploads';
import { planUploadParts } from '@app/tasks/storage/upload-parts';
import { isTaskToken, newTaskToken } from '@app/tasks/tasks/task-token';
import { UploadSession, UploadSessionStore } from '@app/tasks/tasks/upload-session.store';
import { TaskSubmitter } from '../tasks/task-submitter.service';
import {
  completeBodyLimit,
  parseCompletedParts,
  parseUploadSize,
  readJson,
} from './direct-upload.body';
import { quotaExceeded } from '../tasks/quota.errors';
import { DirectUploadDto } from './direct-upload.dto';

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
    private readonly usage: ClientUsageStore,
    private readonly submitter: TaskSubmitter,
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
   * Checks the declared size, reserves it and a pending slot until the URLs expire (released on
   * completion, when the task takes them over, on abort, or at expiry), starts the multipart upload
   * and presigns every part for its exact size.
   */
  async start(body: unknown, client: string, requestedAt = Date.now()): Promise<DirectUploadDto> {
    const uploads = this.uploads();
    const size = parseUploadSize(body, this.config.maxUploadBytes);
    const partBytes = this.config.storage.kind === 's3' ? this.config.storage.partBytes : 0;
    const { partSize, count } = planUploadParts(size, partBytes);
    const token = newTaskToken();
    const key = blobKeys.evenSumInput(token);
    const expiresIn = this.config.presignExpiresSeconds;
    const expiresAt = requestedAt + expiresIn * 1000;
    const reserved = await this.usage.reserve(client, token, size, Date.now(), expiresAt);
    if (reserved !== 'ok') throw quotaExceeded(reserved, size);
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
      };
      await this.sessions.create(token, session, expiresIn).catch((err: unknown) => {
        this.logger.error({ token, err }, 'cannot save the upload session');
        throw unavailable('the task store is unavailable, try again shortly');
      });
    } catch (err) {
      if (uploadId) await uploads.abortMultipartUpload(key, uploadId).catch(() => undefined);
      await this.usage.cancel(client, token).catch(() => undefined);
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
   * Assembles the parts, checks the object has the declared size, and submits the task as the
   * streaming route does (its lead time counted from the start of the upload). The storage mode
   * and the session are checked before the body is read, and the body is read only up to what
   * the session's parts need.
   */
  async complete(token: string, req: Request, client: string): Promise<string> {
    const session = await this.session(token, client);
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
        await this.usage.cancel(client, token);
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
        job: JobName.EvenSumPlan,
        data: { token, inputKey: key },
        unit: { kind: 'file', bytes },
      });
      submitted = true;
    } finally {
      if (!submitted) await this.usage.cancel(client, token).catch(() => undefined);
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
    await this.usage.cancel(client, token);
    this.logger.log({ token, task: TaskKind.EvenSum }, 'direct upload aborted');
  }
}
