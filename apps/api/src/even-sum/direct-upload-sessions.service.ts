import { HttpStatus, Injectable } from '@nestjs/common';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { notFound, TaskHttpError } from '../http/task-http.errors';
import { isTaskToken } from '@app/tasks/contract';
import {
  blobKeys,
  BlobStore,
  InjectBlobStore,
  DirectUploads,
  supportsDirectUploads,
} from '@app/tasks/storage';
import { UploadSession, UploadSessionStore } from '@app/tasks/records';
import { TaskSubmitter } from '../tasks/task-submitter.service';

const NOT_FOUND =
  'upload not found: unknown, expired, already completed, or started by another client';

/**
 * The live sessions of direct uploads as every step on them needs them: the storage-mode check,
 * a client's session, its lease (the session and its reservation expire together) and fresh part URLs.
 */
@Injectable()
export class DirectUploadSessions {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly sessions: UploadSessionStore,
    private readonly submitter: TaskSubmitter,
  ) {}

  /** The store's direct uploads; 409 when the blob store is a directory. */
  uploads(): DirectUploads {
    if (!supportsDirectUploads(this.blobs) || this.config.storage.kind !== 's3') {
      throw new TaskHttpError(
        HttpStatus.CONFLICT,
        'direct uploads need STORAGE=s3; stream the file to POST /even-sum instead',
      );
    }
    return this.blobs;
  }

  /** The client's live session of `token`, or undefined when unknown, expired or another's. */
  async find(token: string, client: string): Promise<UploadSession | undefined> {
    const session = isTaskToken(token) ? await this.sessions.get(token) : undefined;
    return session && session.client === client ? session : undefined;
  }

  /** The client's live session of `token`: 409 in fs mode, 404 when unknown, expired or another's. */
  async session(token: string, client: string): Promise<UploadSession> {
    this.uploads();
    const session = await this.find(token, client);
    if (!session) throw notFound(NOT_FOUND);
    return session;
  }

  /**
   * The client is active: its session and reservation now expire PRESIGN_EXPIRES_SECONDS from now,
   * not from the start (a slow client comes back for fresh URLs anyway, as they expire too).
   */
  async touch(token: string, session: UploadSession, now = Date.now()): Promise<UploadSession> {
    const expiresIn = this.config.presignExpiresSeconds;
    const touched = { ...session, expiresAt: now + expiresIn * 1000 };
    if (!(await this.sessions.touch(token, touched, expiresIn))) throw notFound(NOT_FOUND);
    // Re-reserving the same bytes replaces the session's own reservation: only its expiry moves.
    await this.submitter.reserveUpload(session.client, token, session.size, touched.expiresAt);
    return touched;
  }

  /** Fresh presigned URLs for every part of a session, each signed for its planned size. */
  presignAll(token: string, session: UploadSession): Promise<string[]> {
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
   * The multipart upload was aborted under the session (the bucket's lifecycle rule): nothing to
   * resume or complete. Ends the session and its reservation, then answers 404.
   */
  async vanished(token: string, client: string): Promise<never> {
    await this.sessions.delete(token);
    await this.submitter.release(client, token);
    throw notFound(NOT_FOUND);
  }
}
