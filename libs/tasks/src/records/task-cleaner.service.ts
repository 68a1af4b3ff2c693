import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, InjectConfig } from '../config';
import { FairScheduler } from '../fairness';
import { TaskQueue } from '../queues';
import { BlobStore, InjectBlobStore } from '../storage';
import { TaskStore } from './task-store.service';
import { UploadSessionStore } from './upload-session.store';

/**
 * Removes what outlives a task's record: Redis expires records by TTL, but blobs and failed bull
 * jobs need sweeping. Blobs touched within the grace period are kept: an upload in progress has
 * no record yet.
 */
@Injectable()
export class TaskCleaner {
  private readonly logger = new Logger(TaskCleaner.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly store: TaskStore,
    private readonly queue: TaskQueue,
    private readonly fair: FairScheduler,
    private readonly uploads: UploadSessionStore,
  ) {}

  /** One sweep; returns how many tasks' blobs were removed. */
  async sweep(now = Date.now()): Promise<number> {
    // An upload stalled longer than the idle timeout has been cut off by then.
    const graceMs = this.config.uploadIdleTimeoutMs * 2;
    let removed = 0;
    for await (const { token, modifiedAt } of this.blobs.listTasks()) {
      if (now - modifiedAt < graceMs) continue;
      // A direct upload being completed has its object before its record (and S3 dates it from the
      // upload's start); its session is ended only after the record exists, so check it first.
      if (await this.uploads.exists(token)) continue;
      if (await this.store.get(token)) continue;
      await this.blobs.deletePrefix(`${token}/`);
      removed++;
    }
    const ttlMs = this.config.resultTtlSeconds * 1000;
    await Promise.all(
      this.queue.all().map((q) => q.clean(ttlMs, 'failed').then(() => q.clean(ttlMs, 'completed'))),
    );
    // Nothing queued or running: fair-queuing tags restart from 0 (keeps priorities in bull's range).
    await this.fair.rebaseIfIdle(async () => {
      const counts = await Promise.all(this.queue.all().map((q) => q.getJobCounts()));
      return counts.every((c) => c.waiting + c.active + c.delayed === 0);
    });
    if (removed) this.logger.log({ removed }, 'expired task blobs removed');
    // S3: multipart uploads nobody will complete (presigned URLs expired, or a streamed put whose
    // api died). On AWS the bucket's AbortIncompleteMultipartUpload lifecycle rule is the backstop.
    const staleMs = this.config.presignExpiresSeconds * 1000;
    const aborted =
      (await this.blobs.abortStaleUploads?.(staleMs, (token) => this.uploads.exists(token), now)) ??
      0;
    if (aborted) this.logger.log({ aborted }, 'stale multipart uploads aborted');
    return removed;
  }
}
