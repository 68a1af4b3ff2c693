import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import pino from 'pino';
import { serveClusterMetrics } from '../metrics';

/**
 * Whether this process does what one process of a deployment does once: a lone process, or the
 * first process of a cluster (API_PROCESSES, WORKER_PROCESSES). Cluster worker ids are never
 * reused, and a cluster whose process died stops whole (runCluster), so the first is there while
 * the cluster is.
 */
export function isFirstProcess(): boolean {
  return !cluster.isWorker || cluster.worker?.id === 1;
}

export interface ClusterOptions {
  /** `api` or `worker`: the log lines' service and words. */
  service: string;
  /** Processes to fork (> 1). */
  processes: number;
  logLevel: string;
  /** Extra fields for the "cluster started" line (e.g. the shared port). */
  started?: Record<string, unknown>;
}

/**
 * The primary of a node:cluster of `processes` processes of one service, which share its listening
 * port (on Linux the primary accepts each connection and hands it to the next process, round robin),
 * and serves none itself. SIGTERM (or SIGINT) is passed on once to every process, each drains as a
 * lone process does, and the primary exits 0 when all have exited 0. If one dies on its own, the
 * others are drained and the primary exits 1: the supervisor (compose, ECS, `npm start`) restarts
 * the service whole, as it would a lone process. /metrics scraped from any process answers the
 * whole cluster's (serveClusterMetrics).
 */
export function runCluster(options: ClusterOptions): void {
  const { service, processes } = options;
  const log = pino({ level: options.logLevel, base: { service, pid: process.pid } });
  let stopping = false;
  let exitCode = 0;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, `${service} cluster stopping`);
    for (const worker of Object.values(cluster.workers ?? {}) as Worker[])
      worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  cluster.on('exit', (worker, code, signal) => {
    if (code !== 0) exitCode = 1;
    if (!stopping) {
      log.error({ workerPid: worker.process.pid, code, signal }, `${service} process died`);
      stop(`${service === 'api' ? 'an' : 'a'} ${service} process died`);
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) {
      log.info({ code: exitCode }, `${service} cluster stopped`);
      log.flush();
      process.exit(exitCode);
    }
  });
  serveClusterMetrics();
  for (let i = 0; i < processes; i++) cluster.fork();
  log.info({ processes, ...options.started }, `${service} cluster started`);
}
