import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig } from '@app/tasks/config';
import { JsonErrorFilter } from '@app/tasks/http';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await NestFactory.create(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // Once, at boot: the deployment still sets a setting that no longer does anything. (The last
  // argument is the context: nestjs-pino would take a lone message after an object for one.)
  if (config.retiredSettings.length)
    app
      .get(Logger)
      .warn({ settings: config.retiredSettings }, 'ignoring retired settings', 'Config');
  app.useGlobalFilters(new JsonErrorFilter());
  // SIGTERM → onApplicationShutdown: bull stops taking jobs and waits for active ones.
  // Exit 0 once the jobs are finished or handed back (Nest's default re-raises the signal: exit 143).
  app.enableShutdownHooks([], { useProcessExit: true });
  const server = await app.listen(config.workerHttpPort, config.host);
  app.get(Logger).log({ port: (server.address() as AddressInfo).port }, 'worker listening');
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
