import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { settlesWithin } from '@app/tasks/timing';

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
  }
}
