import { Injectable, Logger } from '@nestjs/common';
import { parseCallbackUrl } from '../tasks/callback-url.query';
import type { Request } from 'express';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { notFound, unavailable } from '../http/task-http.errors';
import { IDEMPOTENT_REPLAYED_HEADER, TaskKind, newTaskToken } from '@app/tasks/contract';
import { blobKeys, DirectUploads } from '@app/tasks/storage';
import { planUploadParts } from './upload-parts';
import { UploadSession, UploadSessionStore } from '@app/tasks/records';
import type { DirectUploadView } from '@app/tasks/contract';
import { TaskSubmitter } from '../tasks/task-submitter.service';
import { IdempotentSubmissions, isReplay, withCallback } from '../tasks/idempotency.service';
import { parseUploadSize } from './direct-upload.body';
import { DirectUploadSessions } from './direct-upload-sessions.service';

// The Idempotency-Key fingerprint of a direct-upload start (other routes' keys never match it).
const DIRECT_UPLOAD_REQUEST = 'even-sum-upload';

/**
 * Starts the direct uploads of even-sum files to S3 (see DirectUploadService for the steps after):
 * reserves the quota, starts the multipart upload and presigns its parts.
 */
@Injectable()
export class DirectUploadStarter {
  private readonly logger = new Logger(DirectUploadStarter.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly sessions: UploadSessionStore,
    private readonly live: DirectUploadSessions,
    private readonly submitter: TaskSubmitter,
    private readonly idempotency: IdempotentSubmissions,
  ) {}

  /**
   * Starts a direct upload (see `open`). With an Idempotency-Key, the first request with it makes
   * the session and the same key answers that session again (its token, fresh URLs, 201 with
   * Idempotent-Replayed) while the key lives: a start whose answer was lost is retried without a
   * second session (and a second reservation). The key's fingerprint is the declared size and the
   * callbackUrl: another size or callbackUrl (or none instead of one) is 422; concurrent requests
   * with one key make one session (the others get 409).
   */
  async start(
    req: Request,
    body: unknown,
    client: string,
    key: string | undefined,
    requestedAt = Date.now(),
  ): Promise<DirectUploadView> {
    const uploads = this.live.uploads();
    const size = parseUploadSize(body, this.config.maxUploadBytes);
    const callbackUrl = parseCallbackUrl(
      (body as { callbackUrl?: unknown }).callbackUrl,
      this.config.webhooks,
    );
    const token = newTaskToken();
    const claimed = await this.idempotency.claimIfKeyed(
      req,
      client,
      key,
      { request: withCallback(`${DIRECT_UPLOAD_REQUEST}?size=${size}`, callbackUrl) },
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
    const session = await this.live.find(token, client);
    if (!session)
      throw notFound(
        `the upload this Idempotency-Key started (${token}) has ended: completed, aborted or expired; use a new key for a new upload`,
      );
    const touched = await this.live.touch(token, session);
    const urls = await this.live.presignAll(token, touched);
    return {
      token,
      partSize: touched.partSize,
      parts: urls.map((url, i) => ({ partNumber: i + 1, url })),
      expiresAt: new Date(touched.expiresAt).toISOString(),
    };
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
}
