import { Inject } from '@nestjs/common';
import { z } from 'zod';
import { AuthConfig, authConfig, authEnv } from './auth.config';
import { FairnessConfig, fairnessConfig, fairnessEnv } from './fairness.config';
import { MetricsConfig, metricsConfig, metricsEnv } from './metrics.config';
import { ProcessConfig, processConfig, processEnv } from './process.config';
import { RedisConfig, redisConfig, redisEnv } from './redis.config';
import { RetiredConfig, retiredConfig } from './retired.config';
import { ServerConfig, serverConfig, serverEnv } from './server.config';
import { StorageConfig, storageConfig, storageEnv } from './storage.config';
import { TasksConfig, tasksConfig, tasksEnv } from './tasks.config';
import { WebhookConfig, webhookConfig, webhookEnv } from './webhook.config';
import { WorkerConfig, workerConfig, workerEnv } from './worker.config';

export { RETIRED_SETTINGS } from './retired.config';

/**
 * Every environment variable the service reads, with its default. This is the only place that
 * knows about `process.env`; the Docker/compose tests check their variables against these keys.
 * Each area's variables, defaults and the reasons for them are in its `*.config.ts`.
 */
export const configSchema = z.object({
  ...serverEnv,
  ...redisEnv,
  ...storageEnv,
  ...workerEnv,
  ...processEnv,
  ...tasksEnv,
  ...authEnv,
  ...fairnessEnv,
  ...metricsEnv,
  ...webhookEnv,
});

export type ConfigEnv = z.input<typeof configSchema>;
export const CONFIG_ENV_KEYS = Object.keys(configSchema.shape) as (keyof ConfigEnv)[];

/** The validated, typed configuration shared by the api and the worker. */
export interface AppConfig
  extends
    ServerConfig,
    RedisConfig,
    StorageConfig,
    WorkerConfig,
    ProcessConfig,
    TasksConfig,
    AuthConfig,
    FairnessConfig,
    MetricsConfig,
    WebhookConfig,
    RetiredConfig {}

export class ConfigError extends Error {}

/** Validates the environment once; throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const picked = Object.fromEntries(
    CONFIG_ENV_KEYS.map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = configSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // The checks across variables that the schema cannot express, from every area, in one message.
  const problems: string[] = [];
  const storage = storageConfig(e, problems);
  const tasks = tasksConfig(e, problems);
  const auth = authConfig(e, problems);
  if (problems.length)
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return {
    ...serverConfig(e),
    ...redisConfig(e),
    ...storage,
    ...workerConfig(e),
    ...processConfig(e),
    ...tasks,
    ...auth,
    ...fairnessConfig(e),
    ...metricsConfig(e),
    ...webhookConfig(e),
    ...retiredConfig(env),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the validated AppConfig. */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);
