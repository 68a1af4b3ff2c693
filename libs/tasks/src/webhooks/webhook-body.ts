import type { TaskRecord } from '../records';

/** The JSON a callback POSTs: the same for every attempt of one task end. */
export interface WebhookBody {
  token: string;
  kind: string;
  status: string;
  requestedAt: string;
  finishedAt?: string;
  leadTimeMs?: number;
  executionMs?: number;
  result?: Record<string, unknown>;
  error?: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** An ended task's callback body, from its record (a cancelled task's end is its cancel time). */
export function webhookBody(record: TaskRecord): WebhookBody {
  const end = record.finishedAt ?? record.cancelledAt;
  const body: WebhookBody = {
    token: record.token,
    kind: record.task,
    status: record.status,
    requestedAt: iso(record.requestedAt)!,
    finishedAt: iso(end),
    leadTimeMs: record.leadTimeMs ?? (end !== undefined ? end - record.requestedAt : undefined),
    executionMs: record.executionMs,
  };
  if (record.status === 'finished')
    body.result =
      record.task === 'even-sum'
        ? { sum: record.sum, evenCount: record.evenCount, count: record.count }
        : { url: `/randomize/${record.token}/result` };
  else body.error = record.status === 'cancelled' ? 'cancelled by its client' : record.error;
  return body;
}
