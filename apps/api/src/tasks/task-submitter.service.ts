import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import type { FairTag } from '@app/tasks/fairness';
import { unavailable } from '../http/task-http.errors';
import { ClientUsageStore } from '@app/tasks/limits';
import { SubmissionMetrics } from '../metrics/submission-metrics.service';
import { QUEUE_OF, JobName, TaskQueue } from '@app/tasks/queues';
import { TaskKind } from '@app/tasks/contract';
import type { Placement } from '@app/tasks/queues';
import { PngHeader, rawBytesPerPixel, pngOutputBound } from '@app/tasks/randomize';
import { BlobStore, InjectBlobStore } from '@app/tasks/storage';
import { TaskRecord, TaskStore } from '@app/tasks/records';
import { quotaExceeded } from './quota.errors';
import { AdmittedUnit, TaskAdmission } from './task-admission.service';
import { DeferredCleanup } from './deferred-cleanup.service';
import { UploadQuota } from './upload-quota';

/** What every submission has: its input is stored under `inputKey`, `bytes` long. */
interface SubmissionBase {
  token: string;
  client: string;
  requestedAt: number;
  inputKey: string;
  bytes: number;
  /** Where to POST the task's end (validated). */
  callbackUrl?: string;
}

/** A PNG to shuffle; its header sets the job's cost and the result's reserved bytes. */
export interface RandomizeSubmission extends SubmissionBase {
  task: TaskKind.Randomize;
  header: PngHeader;
  blockSize: number;
  seed?: number;
}

/** A stored file of numbers to sum. */
export interface EvenSumSubmission extends SubmissionBase {
  task: TaskKind.EvenSum;
  /** A pipelined upload queued chunks already: its record exists (PipelinedChunks) and is completed here. */
  recordExists?: boolean;
}

export type Submission = RandomizeSubmission | EvenSumSubmission;

/**
 * The one way into the queues from the api: holds the client's caps (each refusal a 429 naming
 * its setting), creates the task record and prices the first job for fair queuing (one Redis round
 * trip: TaskAdmission), then enqueues it (bull's add, a second); undoes all of it (and the blob) if
 * any step fails.
 */
@Injectable()
export class TaskSubmitter {
  private readonly logger = new Logger(TaskSubmitter.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly store: TaskStore,
    private readonly queue: TaskQueue,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly metrics: SubmissionMetrics,
    private readonly usage: ClientUsageStore,
    private readonly admission: TaskAdmission,
    private readonly cleanup: DeferredCleanup,
  ) {}

  /**
   * Quota for a streamed upload, held before its first byte is stored and grown as bytes arrive
   * (429 when a cap refuses); `submit` converts it into the task's, `release` gives it back.
   */
  openUpload(
    req: Request,
    client: string,
    token: string,
    declared: number | undefined,
  ): Promise<UploadQuota> {
    return UploadQuota.open(this.usage, this.config, req, client, token, declared);
  }

  /** Holds a direct upload's declared bytes and a pending slot until `expiresAt`; 429 when a cap refuses. */
  async reserveUpload(
    client: string,
    token: string,
    bytes: number,
    expiresAt: number,
  ): Promise<void> {
    const reserved = await this.usage.reserve(client, token, bytes, Date.now(), expiresAt);
    if (reserved !== 'ok') throw quotaExceeded(reserved, bytes);
  }

  /**
   * Gives back what an upload, a session or a failed submission of `token` holds (idempotent).
   * Never rejects: when Redis is away it is retried until it lands (DeferredCleanup).
   */
  release(client: string, token: string): Promise<void> {
    return this.cleanup.run(
      'quota release',
      token,
      () => this.usage.cancel(client, token),
      this.config.resultTtlSeconds * 1000,
    );
  }

  async submit(s: Submission): Promise<void> {
    const record: TaskRecord = {
      token: s.token,
      task: s.task,
      client: s.client,
      status: 'requested',
      requestedAt: s.requestedAt,
      enqueuedAt: Date.now(),
      inputKey: s.inputKey,
      bytes: s.bytes,
      callbackUrl: s.callbackUrl,
    };
    // Replaces the token's own upload or session reservation, if any, with the task's. The record
    // is written in the same step: a worker that takes the job at once must find it.
    const reservedBytes = this.reservedBytes(s);
    const admitted = await this.admission
      .admit(record, reservedBytes, firstUnit(s))
      .catch(async (err: unknown) => {
        // The script may have run before the error reached us: give back what it may hold.
        await this.release(s.client, s.token);
        return this.fail(s, err);
      });
    if (admitted.outcome !== 'ok') {
      await this.discard(s.token);
      await this.release(s.client, s.token);
      throw quotaExceeded(admitted.outcome, reservedBytes);
    }
    try {
      if (s.task === TaskKind.EvenSum && s.recordExists) {
        // A pipelined upload's record exists (the script left it alone): the size, now known, goes
        // in before the plan job (which sets chunksTotal) exists, and only while the task is still
        // open (a chunk job may have failed it meanwhile).
        const { bytes, enqueuedAt } = record;
        const opened = await this.store.update(
          s.token,
          { bytes, bytesReceived: bytes, enqueuedAt, callbackUrl: s.callbackUrl },
          ['requested'],
        );
        if (!opened) throw new Error('the task ended while its file was uploading');
      }
      await this.enqueue(s, admitted.fair);
    } catch (err) {
      await this.release(s.client, s.token);
      await this.fail(s, err);
    }
    this.metrics.uploadBytes.inc({ task: s.task }, s.bytes);
    this.logger.log({ token: s.token, task: s.task, bytes: s.bytes }, 'task submitted');
  }

  /** Removes whatever a failed submission left behind. */
  async discard(token: string): Promise<void> {
    await Promise.allSettled([this.store.delete(token), this.blobs.deletePrefix(`${token}/`)]);
  }

  /** Bytes counted against MAX_STORED_BYTES_PER_CLIENT. */
  private reservedBytes(s: Submission): number {
    // A shuffled PNG's result counts too: its bound is reserved now (a small input can shuffle
    // into a big output), and the worker settles it to the real size.
    return s.task === TaskKind.Randomize ? s.bytes + pngOutputBound(s.header) : s.bytes;
  }

  /** The first job, at its fair place: one image, or the plan of a file. */
  private async enqueue(s: Submission, fair: FairTag | undefined): Promise<void> {
    const { token, inputKey } = s;
    if (s.task === TaskKind.Randomize) {
      const data = { token, inputKey, blockSize: s.blockSize, seed: s.seed, tag: fair?.tag };
      return this.queue.add(JobName.Randomize, data, placement(token, fair));
    }
    return this.queue.add(
      JobName.EvenSumPlan,
      { token, inputKey, tag: fair?.tag },
      placement(token, fair),
    );
  }

  private async fail(s: Pick<Submission, 'token' | 'task'>, err: unknown): Promise<never> {
    this.logger.error({ token: s.token, task: s.task, err }, 'submission failed');
    await this.discard(s.token);
    throw unavailable('the task queue is unavailable, try again shortly');
  }
}

/** The first job's queue and what the fairness policy is told of it: one image, or a file. */
function firstUnit(s: Submission): AdmittedUnit {
  if (s.task === TaskKind.Randomize) {
    const { width, height } = s.header;
    const rawBytes = width * height * rawBytesPerPixel(s.header);
    return { queue: QUEUE_OF[JobName.Randomize], unit: { kind: 'image', rawBytes, height } };
  }
  return { queue: QUEUE_OF[JobName.EvenSumPlan], unit: { kind: 'file', bytes: s.bytes } };
}

/** The job id is the token: a second add of the same task is a no-op. */
function placement(token: string, fair: FairTag | undefined): Placement {
  return { jobId: token, priority: fair?.priority };
}
