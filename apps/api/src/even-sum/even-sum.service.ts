import { Injectable } from '@nestjs/common';
import { parseCallbackUrl } from '../tasks/callback-url.query';
import type { Request } from 'express';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { TaskKind, newTaskToken } from '@app/tasks/contract';
import { FairScheduler } from '@app/tasks/fairness';
import { TaskQueue } from '@app/tasks/queues';
import { TaskStore } from '@app/tasks/records';
import { blobKeys, BlobStore, BlobTooLargeError, InjectBlobStore } from '@app/tasks/storage';
import { badRequest, tooLarge } from '../http/task-http.errors';
import { TaskSubmitter } from '../tasks/task-submitter.service';
import { digestBody } from '../tasks/body-digest';
import { DeferredCleanup } from '../tasks/deferred-cleanup.service';
import { Claim, IdempotentSubmissions, isReplay, withCallback } from '../tasks/idempotency.service';
import { PipelinedChunks } from './pipelined-chunks';

/**
 * Accepted body types: raw text (`text/plain`, `application/octet-stream`), none (`curl -T`), and
 * curl's default for `--data-binary` (`application/x-www-form-urlencoded`, never parsed as a form here).
 */
const ACCEPTED_TYPES = new Set([
  undefined,
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
]);

/**
 * Streams an uploaded file to the blob store (never into memory or Redis) and queues its plan job;
 * on fs storage its chunk jobs are queued as their bytes are stored (PipelinedChunks).
 */
@Injectable()
export class EvenSumService {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly submitter: TaskSubmitter,
    private readonly idempotency: IdempotentSubmissions,
    private readonly store: TaskStore,
    private readonly queue: TaskQueue,
    private readonly fair: FairScheduler,
    private readonly cleanup: DeferredCleanup,
  ) {}

  async submit(
    req: Request,
    type: string | undefined,
    client: string,
    requestedAt: number,
  ): Promise<string> {
    if (!ACCEPTED_TYPES.has(type)) {
      throw badRequest(
        `Content-Type must be text/plain or application/octet-stream (got ${type}); send the file as the raw body`,
      );
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.config.maxUploadBytes) {
      throw tooLarge(
        `body of ${declared} bytes exceeds the limit of ${this.config.maxUploadBytes} bytes`,
      );
    }
    const callbackUrl = parseCallbackUrl(req.query.callbackUrl, this.config.webhooks);
    const key = this.idempotency.keyOf(req);
    const token = newTaskToken();
    const claimed = await this.idempotency.claimIfKeyed(
      req,
      client,
      key,
      {
        request: withCallback(TaskKind.EvenSum, callbackUrl),
        declared: declared === undefined ? undefined : Number(declared),
      },
      token,
    );
    if (claimed && isReplay(claimed)) {
      // Read to compare it with the first body, never stored: no quota, no task, no job.
      const { digest, bytes } = await digestBody(req, this.config.maxUploadBytes);
      return this.idempotency.replay(req, claimed, digest, bytes);
    }
    try {
      return await this.storeUpload(
        req,
        client,
        requestedAt,
        token,
        declared,
        claimed,
        callbackUrl,
      );
    } catch (err) {
      // The key is free again: a retry of a failed or aborted upload may go on.
      await claimed?.release();
      throw err;
    }
  }

  private async storeUpload(
    req: Request,
    client: string,
    requestedAt: number,
    token: string,
    declared: string | undefined,
    claim: Claim | undefined,
    callbackUrl: string | undefined,
  ): Promise<string> {
    const inputKey = blobKeys.evenSumInput(token);
    // Reserved before the first byte is stored and grown as it arrives, atomically: concurrent
    // uploads cannot each see the whole remaining quota. Released on every path but success,
    // where the submission converts it into the task's reservation.
    const quota = await this.submitter.openUpload(
      req,
      client,
      token,
      declared === undefined ? undefined : Number(declared),
    );
    // fs storage: chunks are scanned while the upload goes on (S3 parts are unreadable until the
    // multipart upload completes: there the plan starts when the body has ended).
    const pipelined = this.blobs.readableWhileWriting
      ? new PipelinedChunks(
          this.store,
          this.queue,
          this.fair,
          { token, client, inputKey, requestedAt },
          this.config.chunkBytes,
        )
      : undefined;
    let submitted = false;
    try {
      let bytes: number;
      try {
        bytes = await this.blobs.put(inputKey, req, {
          maxBytes: this.config.maxUploadBytes,
          admit: quota.admit,
          onData: claim?.onData,
          readableWhileWriting: pipelined !== undefined,
          onWritten: pipelined?.onWritten,
        });
      } catch (err) {
        if (err instanceof BlobTooLargeError)
          throw tooLarge(`body exceeds the limit of ${this.config.maxUploadBytes} bytes`);
        throw err;
      }
      if (declared !== undefined && bytes !== Number(declared)) {
        await this.submitter.discard(token);
        throw badRequest(`body ended after ${bytes} of ${declared} bytes`);
      }
      await this.submitter.submit({
        token,
        task: TaskKind.EvenSum,
        client,
        requestedAt,
        inputKey,
        bytes,
        callbackUrl,
        recordExists: pipelined?.started,
      });
      submitted = true;
      // A lost write only makes a retry wait for the claim's lease (409), then make a new task.
      await claim?.complete(bytes).catch(() => undefined);
    } finally {
      if (!submitted) {
        // Chunks queued while the body arrived: their task, results and waiting jobs go, then
        // the file (a put that failed removed it already), then the quota; each retried in the
        // background if Redis is away (the upload often failed because it is).
        if (pipelined?.started)
          await this.cleanup.run(
            'abandoned upload cleanup',
            token,
            async () => {
              await pipelined.cancel();
              await this.submitter.discard(token);
            },
            this.config.resultTtlSeconds * 1000,
          );
        await this.submitter.release(client, token);
      }
    }
    return token;
  }
}
