import { CallbackView, TaskKind, TaskStatusView } from '@app/tasks/contract';
import { TaskRecord } from '@app/tasks/records';

/** The status response: the old service's `{status}` plus timestamps, durations and progress when known. */
export function taskStatusView(record: TaskRecord): TaskStatusView {
  // Spread in this order, the fields reach the JSON as before; an unknown one is left out, not null.
  const view: TaskStatusView = {
    status: record.status,
    ...present('error', record.error),
    ...present('requestedAt', iso(record.requestedAt)),
    ...present('startedAt', iso(record.startedAt)),
    ...present('finishedAt', iso(record.finishedAt)),
    ...present('cancelledAt', iso(record.cancelledAt)),
    ...present('executionMs', record.executionMs),
    ...present('queueWaitMs', record.queueWaitMs),
    ...present('leadTimeMs', record.leadTimeMs),
  };
  const callback = callbackView(record);
  if (record.task !== TaskKind.EvenSum) return { ...view, ...present('callback', callback) };
  return {
    ...view,
    ...present('wallMs', record.wallMs),
    progress: {
      bytesDone: record.bytesDone ?? 0,
      bytesTotal: record.bytes,
      chunksDone: record.chunksDone ?? 0,
      chunksTotal: record.chunksTotal ?? 0,
      // New fields go last: clients read the others in this order. A pipelined upload's bytes
      // stored so far; any other task exists only once its whole file is stored.
      bytesReceived: record.bytesReceived ?? record.bytes,
      bytesScanned: record.bytesDone ?? 0,
    },
    ...present('callback', callback),
  };
}

/** The callback's delivery, when the submission named a callbackUrl (status and GET /tasks). */
export function callbackView(
  record: Pick<TaskRecord, 'callbackUrl' | 'callbackState' | 'callbackAttempts' | 'callbackError'>,
): CallbackView | undefined {
  if (!record.callbackUrl) return undefined;
  return {
    state: record.callbackState ?? 'pending',
    attempts: record.callbackAttempts ?? 0,
    ...(record.callbackError !== undefined && { lastError: record.callbackError }),
  };
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** `{[key]: value}`, or nothing when the value is not known. */
function present<K extends keyof TaskStatusView>(
  key: K,
  value: TaskStatusView[K] | undefined,
): Pick<TaskStatusView, K> | undefined {
  return value === undefined ? undefined : ({ [key]: value } as Pick<TaskStatusView, K>);
}
