import type { WebhookSettings } from '@app/tasks/config';
import { callbackUrlProblem } from '@app/tasks/webhooks';
import { badRequest } from '../http/task-http.errors';

/** A submission's `callbackUrl` (query parameter or JSON field): absent, or valid, or a 400. */
export function parseCallbackUrl(value: unknown, settings: WebhookSettings): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest('callbackUrl: give it once, as a string');
  const problem = callbackUrlProblem(value, settings);
  if (problem) throw badRequest(problem);
  return value;
}
