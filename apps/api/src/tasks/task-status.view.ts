import { TaskRecord } from '@app/tasks/records';

/** The status response: the old service's `{status}` plus timestamps, durations and progress when known. */
export function taskStatusView(record: TaskRecord): Record<string, unknown> {
  const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const view: Record<string, unknown> = {
    status: record.status,
    error: record.error,
    requestedAt: iso(record.requestedAt),
    startedAt: iso(record.startedAt),
    finishedAt: iso(record.finishedAt),
    executionMs: record.executionMs,
    queueWaitMs: record.queueWaitMs,
    leadTimeMs: record.leadTimeMs,
  };
  if (record.task === 'even-sum') {
    view.wallMs = record.wallMs;
    view.progress = {
      bytesDone: record.bytesDone ?? 0,
      bytesTotal: record.bytes,
      chunksDone: record.chunksDone ?? 0,
      chunksTotal: record.chunksTotal ?? 0,
    };
  }
  return JSON.parse(JSON.stringify(view));
}
