import { setTimeout as sleep } from 'node:timers/promises';
import { TaskKind } from '@app/tasks/contract';
import type { TaskStatusView } from '@app/tasks/contract';
import type { ApiClient } from './api';
import { InterruptedError, ServerError, TaskErroredError, UnreachableError } from './exit-codes';
import type { ProgressFactory } from './progress';
import { networkCode } from './http-errors';
import { EventsOutcome, readTaskEvents, statusAfter } from './task-events';

export interface WaitOptions {
  /** Called with every status read, for progress displays. */
  onStatus?: (status: TaskStatusView) => void;
  /** First poll interval (servers without events); it grows by half each time up to `maxIntervalMs`. */
  firstIntervalMs?: number;
  maxIntervalMs?: number;
  /** Consecutive failed polls or stream connections (503, lost connection) tolerated before giving up. */
  tolerateFailures?: number;
}

// No byte (not even the server's 15 s keep-alive comment) for this long: the stream is dead.
const EVENTS_IDLE_MS = 45_000;

/**
 * Waits for a task until it is finished (resolves with that status) or ends otherwise (throws
 * TaskErroredError with its error), told by the server's event stream (GET …/events): no polling,
 * every status and progress step as it happens. A dropped stream (an api restart) is reopened
 * with Last-Event-ID after the server's `retry:`; the server starts it with the current status,
 * so the end is never missed. A server without the events route is polled instead.
 */
export async function waitForTask(
  client: ApiClient,
  kind: TaskKind,
  token: string,
  options: WaitOptions = {},
): Promise<TaskStatusView> {
  const final = await waitThroughEvents(client, kind, token, options);
  return final ?? pollForTask(client, kind, token, options);
}

/** The final status through the event stream, or undefined when the server has no such route. */
async function waitThroughEvents(
  client: ApiClient,
  kind: TaskKind,
  token: string,
  options: WaitOptions,
): Promise<TaskStatusView | undefined> {
  // Kept across connections, and filled as events arrive: a stream cut mid-way (an api killed)
  // throws, and the reconnection must still say where it was.
  const seen: EventsOutcome = { retryMs: 1000 };
  let failures = 0;
  let current: TaskStatusView | undefined;
  for (;;) {
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), EVENTS_IDLE_MS);
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), EVENTS_IDLE_MS);
    };
    try {
      const res = await client.events.open(kind, token, seen.lastId, idle.signal);
      if (res.status !== 200) {
        const error = await client.http.errorOf(res);
        // Our 404 says "task not found"; any other 404 is a server without the events route.
        if (res.status === 404 && error.serverMessage !== 'task not found') return undefined;
        throw error;
      }
      failures = 0;
      seen.end = undefined;
      const outcome = await readTaskEvents(
        watch(res.body!, alive),
        (event) => {
          current = statusAfter(current, event);
          options.onStatus?.(current);
        },
        seen,
      );
      if (outcome.end) return endOf(outcome.end, token);
    } catch (err) {
      if (client.signal.aborted) throw stoppedWaiting(new InterruptedError(), token);
      const transient =
        idle.signal.aborted ||
        err instanceof UnreachableError ||
        networkCode(err) !== undefined ||
        (err as Error)?.name === 'TypeError' || // undici: "terminated" (the connection dropped)
        (err instanceof ServerError && err.status >= 500);
      if (!transient || ++failures > (options.tolerateFailures ?? 5))
        throw stoppedWaiting(err, token);
    } finally {
      clearTimeout(timer);
    }
    try {
      await sleep(seen.retryMs ?? 1000, undefined, { signal: client.signal });
    } catch {
      throw stoppedWaiting(new InterruptedError(), token);
    }
  }
}

/** The final status of a task that ended: finished, or an error naming how it ended. */
function endOf(end: TaskStatusView, token: string): TaskStatusView {
  if (end.status === 'finished') return end;
  throw new TaskErroredError(token, end.error ?? `the task ended ${end.status}`);
}

/** The body's chunks, telling `alive` of each (the idle watchdog). */
async function* watch(
  body: AsyncIterable<Uint8Array>,
  alive: () => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    alive();
    yield chunk;
  }
}

/**
 * Polls a task's status until it is finished (resolves with that status) or errored (throws
 * TaskErroredError with its error), for servers without the events route. Short tasks answer
 * within the first fast polls; long ones settle at about one poll a second. A brief outage (a 5xx,
 * a dropped connection) is waited out.
 */
async function pollForTask(
  client: ApiClient,
  kind: TaskKind,
  token: string,
  options: WaitOptions = {},
): Promise<TaskStatusView> {
  let interval = options.firstIntervalMs ?? 100;
  let failures = 0;
  for (;;) {
    try {
      const status = await client.tasks.status(kind, token);
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
