import { availableParallelism } from 'node:os';
import { EnvOf, int } from './env-fields';

/**
 * The worker's variables (its processes, its job slots, bull's stalled-job recovery), with their
 * defaults.
 */
export const workerEnv = {
  WORKER_HTTP_PORT: int(0, 65535).default(5001),
  WORKER_CONCURRENCY: int(1, 256).default(availableParallelism()),
  // worker processes sharing WORKER_HTTP_PORT (node:cluster): 1 is a single process, no cluster.
  // One process per core × WORKER_CONCURRENCY=1 is fairer between clients than one process × N
  // slots: the CPU gate orders waiting work within one process only, bull hands jobs out FIFO.
  WORKER_PROCESSES: int(1, 64).default(1),
  // bull stalled-job recovery: a dead worker's job lock expires after LOCK_DURATION_MS and the next
  // check (every STALLED_INTERVAL_MS, in any live worker) hands the job to another worker.
  LOCK_DURATION_MS: int(1000).default(30_000),
  STALLED_INTERVAL_MS: int(500).default(15_000),
  // How often a worker removes blobs and failed jobs of tasks whose records have expired.
  CLEANUP_INTERVAL_SECONDS: int(1).default(600),
};

/** AppConfig's part for the worker. */
export interface WorkerConfig {
  workerProcesses: number;
  workerHttpPort: number;
  workerConcurrency: number;
  cleanupIntervalSeconds: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/** Reads the worker's variables into their part of AppConfig. */
export function workerConfig(e: EnvOf<typeof workerEnv>): WorkerConfig {
  return {
    workerProcesses: e.WORKER_PROCESSES,
    workerHttpPort: e.WORKER_HTTP_PORT,
    workerConcurrency: e.WORKER_CONCURRENCY,
    cleanupIntervalSeconds: e.CLEANUP_INTERVAL_SECONDS,
    lockDurationMs: e.LOCK_DURATION_MS,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
  };
}
