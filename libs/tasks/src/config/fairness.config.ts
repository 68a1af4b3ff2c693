import { bool, EnvOf, GiB, int } from './env-fields';

/**
 * The variables that share the service between clients (fair order, rates, quotas), with their
 * defaults.
 */
export const fairnessEnv = {
  // Fair start tags as bull priorities; false: FIFO in each queue (for measurement: bench:fairness).
  FAIR_SCHEDULING: bool.default('true'),
  RATE_LIMIT_PER_MINUTE: int(1).default(600),
  MAX_PENDING_TASKS_PER_CLIENT: int(1).default(1000),
  MAX_STORED_BYTES_PER_CLIENT: int(1).default(50 * GiB),
  // Streamed uploads (POST/PUT /even-sum) a client may have open at once: each holds a connection
  // and a partial blob; counted in Redis with a lease, so a crashed api cannot keep slots.
  MAX_CONCURRENT_UPLOADS_PER_CLIENT: int(1).default(8),
};

/** AppConfig's part for fairness between clients and their quotas. */
export interface FairnessConfig {
  /** Fair start tags order each queue (FAIR_SCHEDULING; else FIFO). */
  fairness: { tags: boolean };
  rateLimitPerMinute: number;
  maxPendingTasksPerClient: number;
  maxStoredBytesPerClient: number;
  maxConcurrentUploadsPerClient: number;
}

/** Reads the fairness and quota variables into their part of AppConfig. */
export function fairnessConfig(e: EnvOf<typeof fairnessEnv>): FairnessConfig {
  return {
    fairness: {
      tags: e.FAIR_SCHEDULING,
    },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    maxPendingTasksPerClient: e.MAX_PENDING_TASKS_PER_CLIENT,
    maxStoredBytesPerClient: e.MAX_STORED_BYTES_PER_CLIENT,
    maxConcurrentUploadsPerClient: e.MAX_CONCURRENT_UPLOADS_PER_CLIENT,
  };
}
