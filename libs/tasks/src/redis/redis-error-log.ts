import type { EventEmitter } from 'node:events';

/** What the error log needs of a logger: Nest's Logger (routed to pino) fits. */
export interface ErrorLogSink {
  error(fields: object, msg: string): void;
  log(fields: object, msg: string): void;
}

/** One line per outage, then one per interval while it lasts: a client retries every few hundred ms. */
export const REDIS_ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Logs the `error` events of an ioredis client or a bull queue (which re-emits its clients' errors)
 * as structured lines, rate-limited, and the recovery (`ready`) once. Without a listener ioredis
 * prints "[ioredis] Unhandled error event" with a stack on stderr for every reconnection attempt.
 */
export function logRedisErrors(
  emitter: EventEmitter,
  source: string,
  sink: ErrorLogSink,
  options: { intervalMs?: number; now?: () => number } = {},
): void {
  const intervalMs = options.intervalMs ?? REDIS_ERROR_LOG_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let lastLoggedAt: number | undefined;
  let suppressed = 0;
  let failing = false;
  emitter.on('error', (err: unknown, context?: unknown) => {
    failing = true;
    const at = now();
    if (lastLoggedAt !== undefined && at - lastLoggedAt < intervalMs) {
      suppressed++;
      return;
    }
    const e = err as { message?: string; code?: string } | undefined;
    sink.error(
      {
        redis: source,
        err: e?.message ?? String(err),
        ...(e?.code ? { code: e.code } : {}),
        // bull adds what it was doing ("Error processing job"); `context` is the logger's own field.
        ...(typeof context === 'string' ? { during: context } : {}),
        ...(suppressed ? { suppressed } : {}),
      },
      'Redis client error',
    );
    lastLoggedAt = at;
    suppressed = 0;
  });
  emitter.on('ready', () => {
    if (!failing) return;
    sink.log({ redis: source, ...(suppressed ? { suppressed } : {}) }, 'Redis connection restored');
    failing = false;
    lastLoggedAt = undefined;
    suppressed = 0;
  });
}
