import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { AppConfig, InjectConfig } from '@app/tasks/config/app-config';
import { unitCost } from '@app/tasks/fairness/start-time-fair-queue';
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
import { parseCompletedParts, parseUploadSize } from './direct-upload.body';
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

  /** Checks the declared size and the client's caps, starts the multipart upload and presigns every part. */
  async start(body: unknown, client: string, requestedAt = Date.now()): Promise<DirectUploadDto> {
    const uploads = this.uploads();
    const size = parseUploadSize(body, this.config.maxUploadBytes);
    // The same caps as the streaming route, checked up front; reserved atomically on completion.
    const [pending, bytesLeft] = await Promise.all([
      this.usage.pendingCount(client),
      this.usage.bytesLeft(client),
    ]);
    if (pending >= this.config.maxPendingTasksPerClient) {
      throw new TaskHttpError(
        429,
        'too many unfinished tasks for this client (MAX_PENDING_TASKS_PER_CLIENT): wait for some to finish',
      );
    }
    if (size > bytesLeft) {
      throw new TaskHttpError(
        429,
        `this client may store ${bytesLeft} more bytes (MAX_STORED_BYTES_PER_CLIENT): wait for older tasks to expire`,
      );
    }
    const partBytes = this.config.storage.kind === 's3' ? this.config.storage.partBytes : 0;
    const { partSize, count } = planUploadParts(size, partBytes);
    const token = newTaskToken();
    const key = blobKeys.evenSumInput(token);
    const expiresIn = this.config.presignExpiresSeconds;
    const expiresAt = requestedAt + expiresIn * 1000;
    const uploadId = await uploads.createMultipartUpload(key);
    let urls: string[];
    try {
      urls = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          uploads.presignPart(key, uploadId, i + 1, expiresIn),
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
      await uploads.abortMultipartUpload(key, uploadId).catch(() => undefined);
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

  /**
   * Assembles the parts, checks the object has the declared size, and submits the task as the
   * streaming route does (its lead time counted from the start of the upload).
   */
  async complete(token: string, body: unknown, client: string): Promise<string> {
    const uploads = this.uploads();
    const session = isTaskToken(token) ? await this.sessions.get(token) : undefined;
    if (!session || session.client !== client) throw notFound(NOT_FOUND);
    const parts = parseCompletedParts(body, session.parts);
    if (!(await this.sessions.claim(token)))
      throw new TaskHttpError(HttpStatus.CONFLICT, 'this upload is already being completed');
    const key = blobKeys.evenSumInput(token);
    try {
      await uploads.completeMultipartUpload(key, session.uploadId, parts);
    } catch (err) {
      if (err instanceof BlobNotFoundError) {
        await this.sessions.delete(token);
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
    try {
      const bytes = await this.blobs.size(key);
      if (bytes !== session.size) {
        await this.submitter.discard(token);
        throw badRequest(`the parts hold ${bytes} bytes, not the ${session.size} declared`);
      }
      await this.submitter.submit({
        token,
        task: TaskKind.EvenSum,
        client,
        requestedAt: session.requestedAt,
        inputKey: key,
        bytes,
        job: JobName.EvenSumPlan,
        data: { token, inputKey: key },
        // As for a streamed upload: a file of one chunk is scanned by the plan job itself.
        cost: bytes <= this.config.chunkBytes ? unitCost.scanBytes(bytes) : 1,
      });
    } finally {
      await this.sessions
        .delete(token)
        .catch((err: unknown) => this.logger.warn({ token, err }, 'cannot end the upload session'));
    }
    return token;
  }
}
