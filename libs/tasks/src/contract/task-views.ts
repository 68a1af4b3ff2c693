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
}

/** GET /tasks: a page of the caller's tasks, newest first; `nextCursor` asks for the next page. */
export interface TaskListView {
  tasks: TaskListEntryView[];
  nextCursor: string | null;
}
