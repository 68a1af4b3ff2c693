import { TASK_STATUSES, TaskKind, TOKEN_SOURCE } from '@app/tasks/contract';
import type { TaskStatus } from '@app/tasks/contract';
import type { IndexPosition } from '@app/tasks/records';
import { badRequest } from '../http/task-http.errors';

/** GET /tasks's page size: default and bounds (README, Swagger). */
export const LIST_LIMIT = { default: 20, min: 1, max: 100 } as const;

/** The query of GET /tasks, validated. */
export interface TasksListQuery {
  kind?: TaskKind;
  status?: TaskStatus;
  limit: number;
  after?: IndexPosition;
}

const KINDS: readonly string[] = Object.values(TaskKind);
const STATUSES: readonly string[] = TASK_STATUSES;
const PARAMS = ['kind', 'status', 'limit', 'cursor'];
const CURSOR = new RegExp(`^(\\d{1,15})\\.(${TOKEN_SOURCE})$`);

/** Parses `?kind=&status=&limit=&cursor=`; anything unknown, repeated or out of range is a 400. */
export function parseTasksListQuery(query: Record<string, unknown>): TasksListQuery {
  const unknown = Object.keys(query).filter((name) => !PARAMS.includes(name));
  if (unknown.length) throw badRequest(`unknown query parameter: ${unknown.join(', ')}`);
  const kind = single(query, 'kind');
  const status = single(query, 'status');
  const limit = single(query, 'limit');
  const cursor = single(query, 'cursor');
  if (kind !== undefined && !KINDS.includes(kind))
    throw badRequest(`kind must be one of ${KINDS.join(', ')}`);
  if (status !== undefined && !STATUSES.includes(status))
    throw badRequest(`status must be one of ${STATUSES.join(', ')}`);
  const { min, max } = LIST_LIMIT;
  if (limit !== undefined && !(/^\d{1,3}$/.test(limit) && +limit >= min && +limit <= max))
    throw badRequest(`limit must be an integer between ${min} and ${max}`);
  return {
    kind: kind as TaskKind | undefined,
    status: status as TaskStatus | undefined,
    limit: limit === undefined ? LIST_LIMIT.default : Number(limit),
    after: cursor === undefined ? undefined : decodeCursor(cursor),
  };
}

/** The opaque cursor of the page after `position` (base64url: clients must not build one). */
export function encodeCursor(position: IndexPosition): string {
  return Buffer.from(`${position.requestedAt}.${position.token}`).toString('base64url');
}

function decodeCursor(cursor: string): IndexPosition {
  const match =
    /^[A-Za-z0-9_-]{1,100}$/.test(cursor) &&
    CURSOR.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match) throw badRequest('cursor is not one this api gave (pass nextCursor as it came)');
  return { requestedAt: Number(match[1]), token: match[2] };
}

/** A parameter given at most once, as a string. */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be given once`);
  return value;
}
