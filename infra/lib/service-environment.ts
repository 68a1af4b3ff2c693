import type { TaskServiceConfig } from './config';

export const API_PORT = 5000;
export const WORKER_HTTP_PORT = 5001;

export interface SharedEnvironmentInputs {
  readonly config: TaskServiceConfig;
  readonly redisUrl: string;
  readonly bucketName: string;
  readonly region: string;
}

/** Environment both containers read (the service's config schema); secrets come separately. */
export function sharedEnvironment(inputs: SharedEnvironmentInputs): Record<string, string> {
  const { config } = inputs;
  const env: Record<string, string> = {
    REDIS_URL: inputs.redisUrl,
    QUEUE_PREFIX: config.queuePrefix,
    STORAGE: 's3',
    S3_BUCKET: inputs.bucketName,
    S3_REGION: inputs.region,
    LOG_LEVEL: config.logLevel,
    RESULT_TTL_SECONDS: String(config.resultTtlSeconds),
    FAIR_SCHEDULING: String(config.fairScheduling),
  };
  if (config.maxUploadBytes !== undefined) env.MAX_UPLOAD_BYTES = String(config.maxUploadBytes);
  if (config.chunkBytes !== undefined) env.CHUNK_BYTES = String(config.chunkBytes);
  return env;
}

/**
 * A container health check that needs no curl in the image: Node's own fetch against the app's
 * liveness route. ECS ignores the Dockerfile HEALTHCHECK, so the task definition repeats it.
 */
export function livenessCommand(port: number): string[] {
  return [
    'CMD',
    'node',
    '-e',
    `fetch('http://127.0.0.1:${port}/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
  ];
}
