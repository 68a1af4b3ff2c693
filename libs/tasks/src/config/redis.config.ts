import { z } from 'zod';
import { EnvOf } from './env-fields';

/** The Redis variables (queues and task records), with their defaults. */
export const redisEnv = {
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  // Bull and task-record key prefix: isolates deployments and test runs sharing one Redis.
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}.-]+$/, 'letters, digits, _ - . { } only')
    .default('tasks'),
};

/** AppConfig's part for Redis. */
export interface RedisConfig {
  redisUrl: string;
  queuePrefix: string;
}

/** Reads the Redis variables into their part of AppConfig. */
export function redisConfig(e: EnvOf<typeof redisEnv>): RedisConfig {
  return { redisUrl: e.REDIS_URL, queuePrefix: e.QUEUE_PREFIX };
}
