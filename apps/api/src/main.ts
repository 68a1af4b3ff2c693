import { NestFactory } from '@nestjs/core';
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { runCluster } from '@app/tasks/cluster';
import { AppConfig, ConfigError, loadConfig } from '@app/tasks/config';
import { ApiModule } from './api.module';
import { closeUnreadBody } from './http/close-unread-body.middleware';
import { setupSwagger } from './http/swagger';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // API_PROCESSES > 1: this primary forks that many api processes sharing PORT and serves none.
  if (config.apiProcesses > 1 && cluster.isPrimary)
    runCluster({
      service: 'api',
      processes: config.apiProcesses,
      logLevel: config.logLevel,
      started: { port: config.port },
    });
  else await bootstrap(config);
}

async function bootstrap(config: AppConfig): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config), {
    bufferLogs: true,
    // Task routes read their bodies themselves: images with a hard limit, even-sum files as streams.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  // Once, at boot: the deployment still sets a setting that no longer does anything. (The last
  // argument is the context: nestjs-pino would take a lone message after an object for one.)
  if (config.retiredSettings.length)
    app
      .get(Logger)
      .warn({ settings: config.retiredSettings }, 'ignoring retired settings', 'Config');
  // Exit 0 once drained (Nest's default re-raises the signal: exit 143, a failure to orchestrators).
  // A cluster's api process drains on the SIGTERM its primary passes on, and only then: Ctrl-C
  // sends SIGINT to the whole process group, and a second signal during the drain would kill it.
  if (cluster.isWorker) process.on('SIGINT', () => undefined);
  app.enableShutdownHooks(cluster.isWorker ? ['SIGTERM'] : [], { useProcessExit: true });
  app.disable('x-powered-by');
  app.use(closeUnreadBody());
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Swagger UI and Bull Board bootstrap with small inline scripts; everything else is same-origin.
          'script-src': ["'self'", "'unsafe-inline'"],
          // Plain-HTTP deployments (compose, localhost) must not have their assets upgraded to https.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  // CORS stays off (same-origin only) unless CORS_ORIGINS names the allowed origins.
  if (config.corsOrigins?.length)
    app.enableCors({ origin: config.corsOrigins, exposedHeaders: ['x-request-id', 'retry-after'] });
  setupSwagger(app);
  const server = await app.listen(config.port, config.host);
  // Node's default requestTimeout (300 s) would kill a slow 5 GB upload; an idle timeout (no byte
  // for UPLOAD_IDLE_TIMEOUT_MS while a request is open) replaces it. Between requests a keep-alive
  // connection lives KEEP_ALIVE_TIMEOUT_MS; headers must arrive within that too (slow-loris).
  server.requestTimeout = 0;
  server.setTimeout(config.uploadIdleTimeoutMs);
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.keepAliveTimeoutMs + 1000;
  app.get(Logger).log({ port: (server.address() as AddressInfo).port }, 'api listening');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
