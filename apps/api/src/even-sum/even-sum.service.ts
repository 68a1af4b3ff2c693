import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig, InjectConfig } from '@app/tasks/config/app-config';
import { JobName, TaskKind } from '@app/tasks/queues/queue-names';
import {
  blobKeys,
  BlobStore,
  BlobTooLargeError,
  InjectBlobStore,
} from '@app/tasks/storage/blob-store';
import { newTaskToken } from '@app/tasks/tasks/task-token';
import { badRequest, tooLarge } from '@app/tasks/http/task-http.errors';
import { ClientUsageStore } from '@app/tasks/limits/client-usage.store';
import { TaskSubmitter } from '../tasks/task-submitter.service';
import { UploadQuota } from './upload-quota';

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

/** Streams an uploaded file to the blob store (never into memory or Redis) and queues its plan job. */
@Injectable()
export class EvenSumService {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly submitter: TaskSubmitter,
    private readonly usage: ClientUsageStore,
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
    const token = newTaskToken();
    const inputKey = blobKeys.evenSumInput(token);
    // Reserved before the first byte is stored and grown as it arrives, atomically: concurrent
    // uploads cannot each see the whole remaining quota. Released on every path but success,
    // where the submission converts it into the task's reservation.
    const quota = await UploadQuota.open(
      this.usage,
      this.config,
      req,
      client,
      token,
      declared === undefined ? undefined : Number(declared),
    );
    let submitted = false;
    try {
      let bytes: number;
      try {
        bytes = await this.blobs.put(inputKey, req, {
          maxBytes: this.config.maxUploadBytes,
          admit: quota.admit,
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
        job: JobName.EvenSumPlan,
        data: { token, inputKey },
        unit: { kind: 'file', bytes },
      });
      submitted = true;
    } finally {
      if (!submitted) await quota.release().catch(() => undefined);
    }
    return token;
  }
}
