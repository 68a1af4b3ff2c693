import { TaskKind, TaskStatus } from '../contract';

/** The fields every task's record has, whatever its kind. */
interface TaskRecordBase {
  token: string;
  client: string;
  status: TaskStatus;
  /** Epoch ms, wall clock: comparable across processes and machines (a monotonic clock is not). */
  requestedAt: number;
  enqueuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** Epoch ms: when its client cancelled it (status `cancelled`). */
  cancelledAt?: number;
  error?: string;
  inputKey: string;
  bytes: number;
  executionMs?: number;
  queueWaitMs?: number;
  leadTimeMs?: number;
  /**
   * How many changes were published on the task's events channel (the Lua scripts count them):
   * a listener that read this ignores the messages it already saw.
   */
  eventSeq?: number;
  /** Where to POST the task's end (validated at submission); absent: no callback. */
  callbackUrl?: string;
  /** The callback's delivery: absent while pending; `delivered` or `failed` once settled. */
  callbackState?: 'delivered' | 'failed';
  /** Delivery attempts made so far. */
  callbackAttempts?: number;
  /** Why the latest attempt failed. */
  callbackError?: string;
}

/** What a finished randomize task adds to its record. */
export interface RandomizeResultFields {
  /** The shuffled PNG's blob (records written before it existed: `<token>/output.png`). */
  resultKey: string;
}

/** What an even-sum task's plan and chunks record as it runs. */
interface EvenSumProgressFields {
  /** The split, fixed by the first plan or by a pipelined upload's first chunk job. */
  chunkBytes?: number;
  /** A pipelined upload's bytes stored so far (updated as chunks are queued); `bytes` once it ended. */
  bytesReceived?: number;
  chunksTotal?: number;
  chunksDone?: number;
  bytesDone?: number;
  /** Wall time from the first chunk's start to the last chunk's end. */
  wallMs?: number;
}

/** An even-sum task's outcome. */
interface EvenSumOutcome {
  /** The exact sum of the even integers, as a decimal string. */
  sum: string;
  evenCount: number;
  count: number;
}

/** What a finished even-sum task adds to its record, in the same write that marks it finished. */
export type EvenSumResultFields = EvenSumOutcome &
  Required<Pick<EvenSumProgressFields, 'bytesDone' | 'wallMs'>>;

/**
 * `T`'s fields, absent: a record never holds another kind's fields, nor a result before it finished.
 * Reading one unnarrowed gives `undefined`; a value needs narrowing by `task` (and `status`).
 */
type Absent<T> = { [K in keyof T]?: undefined };

/** A randomize task's record. */
export type RandomizeRecord = TaskRecordBase & {
  task: TaskKind.Randomize;
} & Partial<RandomizeResultFields> &
  Absent<EvenSumProgressFields & EvenSumOutcome>;

/**
 * An even-sum task's record: finished, it has its sum and counts (written with the status, in one
 * step, by TaskLifecycle.finish); before that, or errored, it has none.
 */
export type EvenSumRecord = TaskRecordBase & {
  task: TaskKind.EvenSum;
} & EvenSumProgressFields &
  Absent<RandomizeResultFields> &
  (
    | ({ status: 'finished' } & EvenSumResultFields)
    | ({ status: Exclude<TaskStatus, 'finished'> } & Absent<EvenSumOutcome>)
  );

/** The per-token record in Redis (a hash); the source of truth for status, not bull's job state. */
export type TaskRecord = RandomizeRecord | EvenSumRecord;

/** The record of a task of kind `K`. */
export type TaskRecordOf<K extends TaskKind> = Extract<TaskRecord, { task: K }>;

/** The record of a finished task of kind `K`: its result fields are there. */
export type FinishedRecordOf<K extends TaskKind> = TaskRecordOf<K> & { status: 'finished' };

/**
 * The fields a worker writes when a task of the record's kind finishes. An even-sum's sum may be
 * the bytes of its decimal string: a sum of millions of digits goes to Redis as it is, without
 * becoming a string (each copy of one costs fresh memory); it reads back as a string.
 */
export type ResultFieldsOf<R extends TaskRecord> = R extends RandomizeRecord
  ? RandomizeResultFields
  : Omit<EvenSumResultFields, 'sum'> & { sum: string | Buffer };

/** Record fields as a write takes them: a sum also as bytes (see ResultFieldsOf). */
export type TaskFieldsWrite = {
  [K in keyof TaskRecord]?: TaskRecord[K] | (K extends 'sum' ? Buffer : never);
};

const NUMERIC_FIELDS = [
  'requestedAt',
  'enqueuedAt',
  'startedAt',
  'finishedAt',
  'cancelledAt',
  'bytes',
  'executionMs',
  'queueWaitMs',
  'leadTimeMs',
  'wallMs',
  'chunkBytes',
  'bytesReceived',
  'chunksTotal',
  'chunksDone',
  'bytesDone',
  'evenCount',
  'count',
  'eventSeq',
  'callbackAttempts',
] as const;

/** Hash fields (all strings) → TaskRecord; numbers parsed, absent fields left undefined. */
export function parseTaskRecord(hash: Record<string, string>): TaskRecord | null {
  if (!hash.token || !hash.status) return null;
  const record: Record<string, unknown> = { ...hash };
  for (const field of NUMERIC_FIELDS) {
    if (hash[field] !== undefined) record[field] = Number(hash[field]);
  }
  // Written only by TaskSubmitter.submit and TaskLifecycle, which keep each kind's shape.
  return record as unknown as TaskRecord;
}

/** TaskRecord fields → hash fields, dropping undefined; bytes stay bytes. */
export function serializeTaskFields(fields: TaskFieldsWrite): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined && v !== null) out[k] = Buffer.isBuffer(v) ? v : String(v);
  }
  return out;
}
