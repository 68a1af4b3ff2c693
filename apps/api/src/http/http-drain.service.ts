import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { settlesWithin } from '@app/tasks/timing';
import { InFlightHandlers } from './in-flight-handlers.interceptor';

// After the connections close, how long handlers get to finish their cleanup (a cut upload
// removing its partial blob, quotas given back): local disk and Redis calls, well under a second.
const HANDLER_CLEANUP_MS = 5000;

/**
 * SIGTERM on the api: stop accepting connections, let in-flight requests (an upload included)
 * finish for up to SHUTDOWN_TIMEOUT_MS, then cut what is left (an aborted upload leaves nothing).
 * Runs before the other shutdown hooks, so Redis and the queues still serve the requests draining.
 */
@Injectable()
export class HttpDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(HttpDrain.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectConfig() private readonly config: AppConfig,
    private readonly handlers: InFlightHandlers,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive connection goes idle when its in-flight request ends: close it then, not after
    // KEEP_ALIVE_TIMEOUT_MS.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    void closed.finally(() => clearInterval(idleSweep));
    server.closeIdleConnections();
    if (!(await settlesWithin(closed, this.config.shutdownTimeoutMs))) {
      this.logger.warn(
        { timeoutMs: this.config.shutdownTimeoutMs },
        'in-flight requests cut off at shutdown',
      );
      server.closeAllConnections();
      await closed;
    }
    if (!(await settlesWithin(this.handlers.idle(), HANDLER_CLEANUP_MS)))
      this.logger.warn({ timeoutMs: HANDLER_CLEANUP_MS }, 'request handlers still running at exit');
  }
}
