import { isTaskStatus, TASK_STATUSES } from '@app/tasks/contract';
import type { TaskStatus } from '@app/tasks/contract';
import { badRequest } from '../http/task-http.errors';

/** The longest long-poll, in seconds: below every usual proxy idle timeout (60 s and up). */
export const MAX_WAIT_SECONDS = 60;

/** GET /:kind/:token/status?wait=&since=: how long to hold the answer, and for a change from what. */
export interface WaitQuery {
  /** Seconds, 1..60; absent = answer at once. */
  wait?: number;
  /** Answer as soon as the status is not this one (default: the status when the request came). */
  since?: TaskStatus;
}

/** Parses the status route's query; anything out of range is a 400 naming the parameter. */
export function parseWaitQuery(query: Record<string, unknown>): WaitQuery {
  const out: WaitQuery = {};
  if (query.wait !== undefined) {
    const raw = query.wait;
    if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || +raw < 1 || +raw > MAX_WAIT_SECONDS)
      throw badRequest(`wait must be an integer from 1 to ${MAX_WAIT_SECONDS} (seconds)`);
    out.wait = Number(raw);
  }
  if (query.since !== undefined) {
    if (!isTaskStatus(query.since))
      throw badRequest(`since must be one of ${TASK_STATUSES.join(', ')}`);
    out.since = query.since;
  }
  return out;
}
