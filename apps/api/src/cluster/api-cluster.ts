import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import pino from 'pino';
import type { AppConfig } from '@app/tasks/config';
import { serveClusterMetrics } from '@app/tasks/metrics';

/**
 * Whether this process does what one api of a deployment does once (the queue-depth EMF lines): a
 * lone api, or the first process of an API_PROCESSES cluster. Worker ids are never reused, and a
 * cluster whose process died stops whole (runApiCluster), so the first is there while the cluster is.
 */
export function isFirstApiProcess(): boolean {
  return !cluster.isWorker || cluster.worker?.id === 1;
}

/**
 * The primary of an api of API_PROCESSES > 1: forks that many api processes, which share PORT (on
 * Linux the primary accepts each connection and hands it to the next process, round robin), and
 * serves none itself. SIGTERM (or SIGINT) is passed on once to every process, each drains as a lone
 * api does (HttpDrain), and the primary exits 0 when all have exited 0. If one dies on its own,
 * the others are drained and the primary exits 1: the supervisor (compose, ECS, `npm start`)
 * restarts the api whole, as it would a lone process.
 */
export function runApiCluster(config: AppConfig): void {
  const log = pino({ level: config.logLevel, base: { service: 'api', pid: process.pid } });
  let stopping = false;
  let exitCode = 0;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'api cluster stopping');
    for (const worker of Object.values(cluster.workers ?? {}) as Worker[])
      worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  cluster.on('exit', (worker, code, signal) => {
    if (code !== 0) exitCode = 1;
    if (!stopping) {
      log.error({ workerPid: worker.process.pid, code, signal }, 'api process died');
      stop('an api process died');
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) {
      log.info({ code: exitCode }, 'api cluster stopped');
      log.flush();
      process.exit(exitCode);
    }
  });
  serveClusterMetrics();
  for (let i = 0; i < config.apiProcesses; i++) cluster.fork();
  log.info({ processes: config.apiProcesses, port: config.port }, 'api cluster started');
}
