import { z } from 'zod';
import { bool, EnvOf, int } from './env-fields';

/** The variables every process (api and worker) reads alike: logging and shutdown. */
export const processEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.default('false'),
  // SIGTERM: how long a worker waits for its active jobs, and the api for in-flight requests.
  SHUTDOWN_TIMEOUT_MS: int(0).default(25_000),
};

/** AppConfig's part for logging and shutdown. */
export interface ProcessConfig {
  logLevel: string;
  logPretty: boolean;
  shutdownTimeoutMs: number;
}

/** Reads the logging and shutdown variables into their part of AppConfig. */
export function processConfig(e: EnvOf<typeof processEnv>): ProcessConfig {
  return {
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
