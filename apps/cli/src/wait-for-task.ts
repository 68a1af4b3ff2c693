import { setTimeout as sleep } from 'node:timers/promises';
import { TaskKind } from '@app/tasks/contract';
import type { TaskStatusView } from '@app/tasks/contract';
import type { ApiClient } from './api-client';
import { InterruptedError, ServerError, TaskErroredError, UnreachableError } from './exit-codes';
import type { ProgressFactory } from './progress';

export interface WaitOptions {
  /** Called with every status read, for progress displays. */
  onStatus?: (status: TaskStatusView) => void;
  /** First poll interval; it grows by half each time up to `maxIntervalMs`. */
  firstIntervalMs?: number;
  maxIntervalMs?: number;
  /** Consecutive failed polls (503, lost connection) tolerated before giving up. */
  tolerateFailures?: number;
}

/**
 * Polls a task's status until it is finished (resolves with that status) or errored (throws
 * TaskErroredError with its error). Short tasks answer within the first fast polls; long ones
 * settle at about one poll a second. A brief outage (a 5xx, a dropped connection) is waited out.
 */
export async function waitForTask(
  client: ApiClient,
  kind: TaskKind,
  token: string,
  options: WaitOptions = {},
): Promise<TaskStatusView> {
  let interval = options.firstIntervalMs ?? 100;
  let failures = 0;
  for (;;) {
    try {
      const status = await client.status(kind, token);
      failures = 0;
      options.onStatus?.(status);
      if (status.status === 'finished') return status;
      if (status.status === 'errored')
        throw new TaskErroredError(token, status.error ?? 'no reason given');
      if (status.status === 'cancelled') throw new TaskErroredError(token, 'cancelled');
    } catch (err) {
      const transient =
        err instanceof UnreachableError || (err instanceof ServerError && err.status >= 500);
      if (!transient || ++failures > (options.tolerateFailures ?? 5))
        throw stoppedWaiting(err, token);
    }
    try {
      await sleep(interval, undefined, { signal: client.signal });
    } catch {
      throw stoppedWaiting(new InterruptedError(), token);
    }
    interval = Math.min(interval * 1.5, options.maxIntervalMs ?? 1000);
  }
}

/** Waits for an even-sum task with a processing bar driven by its chunk progress. */
export async function waitForEvenSum(
  client: ApiClient,
  token: string,
  progress: ProgressFactory,
): Promise<TaskStatusView> {
  const bar = progress({ label: 'process', unit: 'chunks', total: 0, note: 'waiting' });
  try {
    const final = await waitForTask(client, TaskKind.EvenSum, token, {
      onStatus: ({ status, progress: p }) => {
        if (status === 'requested') bar.update(0, undefined, 'queued');
        else if (p && p.chunksTotal > 0) bar.update(p.chunksDone, p.chunksTotal);
        else bar.update(0, undefined, 'planning');
      },
    });
    bar.complete();
    return final;
  } finally {
    bar.stop();
  }
}

function stoppedWaiting(err: unknown, token: string): unknown {
  // Ctrl-C while waiting abandons only the waiting: the task goes on on the server.
  if (err instanceof InterruptedError)
    return new InterruptedError(`stopped waiting; the task goes on: tasks status ${token}`);
  return err;
}
