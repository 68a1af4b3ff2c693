import { EnvOf, int, optionalString } from './env-fields';
import { redisEnv } from './redis.config';

/** The queue-depth metric variables (CloudWatch EMF); off by default. */
export const metricsEnv = {
  // The api writes the queue depths as CloudWatch embedded-metric-format lines on stdout this often
  // (0 = never), under the `Deployment` dimension QUEUE_DEPTH_EMF_DEPLOYMENT (default QUEUE_PREFIX):
  // on AWS the log driver ships them and CloudWatch turns them into the metric the workers scale on.
  QUEUE_DEPTH_EMF_SECONDS: int(0, 3600).default(0),
  QUEUE_DEPTH_EMF_DEPLOYMENT: optionalString,
};

/** AppConfig's part for the queue-depth metric. */
export interface MetricsConfig {
  /** Set when the api writes queue depths as CloudWatch EMF lines (QUEUE_DEPTH_EMF_SECONDS > 0). */
  queueDepthEmf?: { intervalSeconds: number; deployment: string };
}

/**
 * Reads the queue-depth metric variables (and QUEUE_PREFIX, the default deployment) into their
 * part of AppConfig.
 */
export function metricsConfig(
  e: EnvOf<typeof metricsEnv> & Pick<EnvOf<typeof redisEnv>, 'QUEUE_PREFIX'>,
): MetricsConfig {
  return {
    queueDepthEmf: e.QUEUE_DEPTH_EMF_SECONDS
      ? {
          intervalSeconds: e.QUEUE_DEPTH_EMF_SECONDS,
          deployment: e.QUEUE_DEPTH_EMF_DEPLOYMENT ?? e.QUEUE_PREFIX,
        }
      : undefined,
  };
}
