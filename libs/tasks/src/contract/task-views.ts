import type { TaskKind, TaskStatus } from './task-kind';

/**
 * The api's JSON answers, typed once: the api builds them (its Swagger DTOs implement them) and the
 * CLI reads them. Plain types, no Nest, so the CLI imports them without pulling in the server.
 */

/** `{token}`: the answer to a submission. */
export interface TokenView {
  token: string;
}

/** An even-sum task's progress, in its status. */
export interface EvenSumProgressView {
  bytesDone: number;
  bytesTotal: number;
  /** Bytes of the file stored so far (an upload scanned while it arrives); bytesTotal once it ended. */
  bytesReceived: number;
  /** Bytes scanned so far (the same figure as bytesDone, named beside bytesReceived). */
  bytesScanned: number;
  chunksDone: number;
  chunksTotal: number;
}

/**
 * GET /<kind>/:token/status: the old service's `{status}` plus timestamps (ISO 8601) and durations
 * once known; fields not known yet are absent, never null. In this order on the wire.
 */
export interface TaskStatusView {
  status: TaskStatus;
  /** Only when errored: why, in words a client can act on. */
  error?: string;
  requestedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Only when cancelled: when its client cancelled it. */
  cancelledAt?: string;
  executionMs?: number;
  queueWaitMs?: number;
  leadTimeMs?: number;
  /** even-sum only: first chunk's start to last chunk's end. */
  wallMs?: number;
  /** even-sum only. */
  progress?: EvenSumProgressView;
  /** Only when the submission named a callbackUrl: its delivery. */
  callback?: CallbackView;
}

/** A task's callback delivery: pending until delivered, or failed (refused target, attempts spent). */
export interface CallbackView {
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError?: string;
}

/** GET /even-sum/:token/result. */
export interface EvenSumResultView {
  /** The exact sum of the even integers, as a decimal string. */
  sum: string;
  evenCount: number;
  count: number;
  /** The file's size. */
  bytes: number;
}

/** One part of a direct upload: PUT bytes [(n-1)·partSize, n·partSize) of the file to `url`. */
export interface PresignedPartView {
  partNumber: number;
  url: string;
}

/** POST /even-sum/uploads (S3 mode): the presigned URLs of every part, valid until `expiresAt`. */
export interface DirectUploadView {
  token: string;
  partSize: number;
  parts: PresignedPartView[];
  expiresAt: string;
}

/**
 * GET /<kind>/:token/events (Server-Sent Events): `status` ({status}) on every transition,
 * `progress` (EvenSumProgressView) as an even-sum's chunks advance, then `end` (the final
 * TaskStatusView) and the stream closes. The first event is always the current status.
 */
export type TaskEventName = 'status' | 'progress' | 'end';
/** A part the bucket already holds; `url` replaces it, should its bytes not be the client's. */
export interface StoredPartView {
  partNumber: number;
  /** Bytes stored: always the part's planned size (a part of another size is listed as missing). */
  size: number;
  etag: string;
  url: string;
}

/**
 * GET /even-sum/uploads/:token (S3 mode): the parts stored so far and fresh URLs for the missing
 * ones, all valid until `expiresAt`, when the session expires unless the client comes back.
 */
export interface DirectUploadStateView {
  token: string;
  /** The declared file size. */
  size: number;
  partSize: number;
  stored: StoredPartView[];
  missing: PresignedPartView[];
  expiresAt: string;
}

/** DELETE /<kind>/:token on a queued or running (or already cancelled) task. */
export interface TaskCancelledView {
  token: string;
  status: 'cancelled';
}

/** One task in GET /tasks: what a client needs to find it again. */
export interface TaskListEntryView {
  token: string;
  kind: TaskKind;
  status: TaskStatus;
  requestedAt: string;
  /** Once finished or errored. */
  finishedAt?: string;
  /** The input's size. */
  bytes?: number;
  /** Only when the submission named a callbackUrl: its delivery, as in the task's status. */
  callback?: CallbackView;
}

/** GET /tasks: a page of the caller's tasks, newest first; `nextCursor` asks for the next page. */
export interface TaskListView {
  tasks: TaskListEntryView[];
  nextCursor: string | null;
}
