import { NestFactory } from '@nestjs/core';
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { runCluster } from '@app/tasks/cluster';
import { AppConfig, ConfigError, loadConfig } from '@app/tasks/config';
import { JsonErrorFilter } from '@app/tasks/http';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // WORKER_PROCESSES > 1: this primary forks that many workers sharing WORKER_HTTP_PORT (health,
  // /metrics of the whole cluster) and consumes nothing itself; each child is a worker as below.
  if (config.workerProcesses > 1 && cluster.isPrimary)
    runCluster({
      service: 'worker',
      processes: config.workerProcesses,
      logLevel: config.logLevel,
      started: { port: config.workerHttpPort, concurrency: config.workerConcurrency },
    });
  else await bootstrap(config);
}

async function bootstrap(config: AppConfig): Promise<void> {
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
  // A cluster's worker drains on the SIGTERM its primary passes on, and only then: Ctrl-C sends
  // SIGINT to the whole process group, and a second signal during the drain would kill it.
  if (cluster.isWorker) process.on('SIGINT', () => undefined);
  app.enableShutdownHooks(cluster.isWorker ? ['SIGTERM'] : [], { useProcessExit: true });
  const server = await app.listen(config.workerHttpPort, config.host);
  app.get(Logger).log({ port: (server.address() as AddressInfo).port }, 'worker listening');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
