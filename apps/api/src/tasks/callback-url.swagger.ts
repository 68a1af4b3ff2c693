import { ApiQuery } from '@nestjs/swagger';

/** Swagger for a submission's `callbackUrl` query parameter. */
export const ApiCallbackUrlQuery = () =>
  ApiQuery({
    name: 'callbackUrl',
    required: false,
    description:
      'https URL (http with WEBHOOK_ALLOW_HTTP) POSTed once when the task ends (finished, errored, cancelled): JSON {token, kind, status, requestedAt, finishedAt, leadTimeMs, executionMs, result | error}, signed with the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) keyed by WEBHOOK_SECRET; retried with backoff on a non-2xx answer or timeout. At most 2048 characters; needs WEBHOOK_SECRET.',
    example: 'https://example.com/hooks/tasks',
  });
