import { TaskKind } from '../queues';

/** `requested` → `received` → `finished` are the old service's states; `errored` is new. */
export type TaskStatus = 'requested' | 'received' | 'finished' | 'errored';

/** The per-token record in Redis (a hash); the source of truth for status, not bull's job state. */
export interface TaskRecord {
  token: string;
  task: TaskKind;
  client: string;
  status: TaskStatus;
  /** Epoch ms, wall clock: comparable across processes and machines (a monotonic clock is not). */
  requestedAt: number;
  enqueuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
  inputKey: string;
  resultKey?: string;
  bytes: number;
  executionMs?: number;
  queueWaitMs?: number;
  leadTimeMs?: number;
  /** even-sum only: wall time from the first chunk's start to the last chunk's end. */
  wallMs?: number;
  chunksTotal?: number;
  chunksDone?: number;
  bytesDone?: number;
  sum?: string;
  evenCount?: number;
  count?: number;
}

const NUMERIC_FIELDS = [
  'requestedAt',
  'enqueuedAt',
  'startedAt',
  'finishedAt',
  'bytes',
  'executionMs',
  'queueWaitMs',
  'leadTimeMs',
  'wallMs',
  'chunksTotal',
  'chunksDone',
  'bytesDone',
  'evenCount',
  'count',
] as const;

/** Hash fields (all strings) → TaskRecord; numbers parsed, absent fields left undefined. */
export function parseTaskRecord(hash: Record<string, string>): TaskRecord | null {
  if (!hash.token || !hash.status) return null;
  const record: Record<string, unknown> = { ...hash };
  for (const field of NUMERIC_FIELDS) {
    if (hash[field] !== undefined) record[field] = Number(hash[field]);
  }
  return record as unknown as TaskRecord;
}

/** TaskRecord fields → hash fields, dropping undefined. */
export function serializeTaskFields(fields: Partial<TaskRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}
