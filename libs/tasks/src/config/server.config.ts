import { z } from 'zod';
import { EnvOf, int, optionalString } from './env-fields';

/** The api's HTTP server variables, with their defaults. */
export const serverEnv = {
  PORT: int(0, 65535).default(5000),
  HOST: z.string().default('0.0.0.0'),
  // api processes sharing PORT (node:cluster): 1 is a single process, no cluster. Default 1, so a
  // bare `node dist/apps/api/main.js` (tests, one-vCPU ECS tasks) stays one process; `npm start`
  // and docker-compose set it to the CPUs they have.
  API_PROCESSES: int(1, 64).default(1),
  // A stalled upload is cut off after this long without a byte (replaces Node's 300 s requestTimeout).
  UPLOAD_IDLE_TIMEOUT_MS: int(1000).default(60_000),
  // How long an idle keep-alive connection stays open; behind a load balancer it must exceed the
  // balancer's idle timeout (ALB: 60 s default), or the balancer reuses a closed connection (502).
  KEEP_ALIVE_TIMEOUT_MS: int(1000).default(65_000),
  CORS_ORIGINS: optionalString,
};

/** AppConfig's part for the api's HTTP server. */
export interface ServerConfig {
  port: number;
  /** api processes sharing the port (node:cluster workers); 1 = no cluster. */
  apiProcesses: number;
  host: string;
  uploadIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  corsOrigins?: string[];
}

/** Reads the api's HTTP server variables into their part of AppConfig. */
export function serverConfig(e: EnvOf<typeof serverEnv>): ServerConfig {
  return {
    port: e.PORT,
    apiProcesses: e.API_PROCESSES,
    host: e.HOST,
    uploadIdleTimeoutMs: e.UPLOAD_IDLE_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    corsOrigins: e.CORS_ORIGINS?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}
