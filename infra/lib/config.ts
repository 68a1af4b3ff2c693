import * as path from 'node:path';

/** Where the two container images come from. */
export type ImageSource =
  | { kind: 'asset'; repoRoot: string }
  | { kind: 'ecr'; apiRepository: string; workerRepository: string; tag: string };

/** Every deploy-time choice of the stack, validated once from CDK context (`-c key=value` or cdk.json). */
export interface TaskServiceConfig {
  readonly images: ImageSource;
  readonly arm64: boolean;
  readonly natGateways: number;
  /** ACM certificate for an HTTPS listener; without it the ALB listens on plain HTTP (port 80). */
  readonly certificateArn?: string;
  readonly ingressCidr: string;
  readonly albIdleTimeoutSeconds: number;
  readonly apiDesiredCount: number;
  readonly apiMaxCount: number;
  readonly workerMinCount: number;
  readonly workerMaxCount: number;
  readonly workerSpot: boolean;
  readonly workerConcurrency: number;
  /** Target of the worker scaling policy: waiting jobs per running worker task. */
  readonly backlogPerWorkerTarget: number;
  readonly redisNodeType: string;
  readonly redisReplicas: number;
  readonly queuePrefix: string;
  readonly resultTtlSeconds: number;
  readonly corsAllowedOrigins: string[];
  /** Name of a Secrets Manager secret the operator creates before deploying (value: `alice:key1,bob:key2`). */
  readonly apiKeysSecretName: string;
  readonly logRetentionDays: number;
  readonly logLevel: string;
  readonly maxUploadBytes?: number;
  readonly chunkBytes?: number;
  readonly fairScheduling: boolean;
  /** How often each api task writes TaskService/QueueDepth (QUEUE_DEPTH_EMF_SECONDS). */
  readonly queueDepthEmfSeconds: number;
}

type ContextReader = (key: string) => unknown;

/** Thrown with every bad context value listed, not just the first. */
export class ConfigError extends Error {}

// The values CloudWatch Logs accepts for a log group's retention.
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

const INFRA_DIR = path.resolve(__dirname, '..');

/** Reads and validates the stack's context parameters; defaults suit a small production deployment. */
export function loadConfig(read: ContextReader): TaskServiceConfig {
  const problems: string[] = [];

  const str = (key: string, fallback: string): string => {
    const v = read(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v !== 'string') {
      problems.push(`${key}: expected a string, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const optStr = (key: string): string | undefined => {
    const v = str(key, '');
    return v === '' ? undefined : v;
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = read(key);
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return fallback;
    }
    return n;
  };
  const optInt = (key: string, min: number, max: number): number | undefined =>
    read(key) === undefined ? undefined : int(key, min, min, max);
  const bool = (key: string, fallback: boolean): boolean => {
    const v = read(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    problems.push(`${key}: expected true or false, got ${JSON.stringify(v)}`);
    return fallback;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = str(key, fallback);
    if (!(allowed as readonly string[]).includes(v)) {
      problems.push(`${key}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v as T;
  };

  const imageSource = oneOf('imageSource', ['asset', 'ecr'] as const, 'asset');
  const images: ImageSource =
    imageSource === 'asset'
      ? { kind: 'asset', repoRoot: path.resolve(INFRA_DIR, str('repoRoot', '..')) }
      : {
          kind: 'ecr',
          apiRepository: str('apiRepository', 'task-service-api'),
          workerRepository: str('workerRepository', 'task-service-worker'),
          tag: str('imageTag', 'latest'),
        };

  const workerMinCount = int('workerMinCount', 2, 1, 100);
  const workerMaxCount = int('workerMaxCount', 20, 1, 500);
  if (workerMaxCount < workerMinCount) {
    problems.push(`workerMaxCount (${workerMaxCount}) is below workerMinCount (${workerMinCount})`);
  }
  const apiDesiredCount = int('apiDesiredCount', 2, 1, 50);
  const apiMaxCount = int('apiMaxCount', 6, 1, 100);
  if (apiMaxCount < apiDesiredCount) {
    problems.push(`apiMaxCount (${apiMaxCount}) is below apiDesiredCount (${apiDesiredCount})`);
  }

  const retention = (days: number): number => {
    if (!LOG_RETENTION_DAYS.includes(days)) {
      problems.push(
        `logRetentionDays: CloudWatch Logs accepts only ${LOG_RETENTION_DAYS.join(', ')}; got ${days}`,
      );
      return 30;
    }
    return days;
  };

  const queuePrefix = str('queuePrefix', '{tasks}');
  if (!/^[^{}]*\{[^{}]+\}[^{}]*$/.test(queuePrefix)) {
    // bull keeps one queue's keys under one prefix; a hash tag puts them all in one cluster slot,
    // which its multi-key Lua scripts need if Redis is ever switched to cluster mode.
    problems.push(
      `queuePrefix: expected a hash-tagged prefix such as {tasks}, got ${JSON.stringify(queuePrefix)}`,
    );
  }

  const config: TaskServiceConfig = {
    images,
    arm64: oneOf('cpuArchitecture', ['x86_64', 'arm64'] as const, 'x86_64') === 'arm64',
    natGateways: int('natGateways', 2, 1, 2),
    certificateArn: optStr('certificateArn'),
    ingressCidr: str('ingressCidr', '0.0.0.0/0'),
    // ALB maximum is 4000 s.
    albIdleTimeoutSeconds: int('albIdleTimeoutSeconds', 4000, 1, 4000),
    apiDesiredCount,
    apiMaxCount,
    workerMinCount,
    workerMaxCount,
    workerSpot: bool('workerSpot', true),
    workerConcurrency: int('workerConcurrency', 4, 1, 64),
    backlogPerWorkerTarget: int('backlogPerWorkerTarget', 50, 1, 100000),
    redisNodeType: str('redisNodeType', 'cache.t4g.medium'),
    redisReplicas: int('redisReplicas', 1, 1, 5),
    queuePrefix,
    resultTtlSeconds: int('resultTtlSeconds', 86400, 60, 365 * 86400),
    corsAllowedOrigins: str('corsAllowedOrigins', '*')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    apiKeysSecretName: str('apiKeysSecretName', 'task-service/api-keys'),
    logRetentionDays: retention(int('logRetentionDays', 30, 1, 3653)),
    logLevel: oneOf(
      'logLevel',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const,
      'info',
    ),
    maxUploadBytes: optInt('maxUploadBytes', 1, Number.MAX_SAFE_INTEGER),
    chunkBytes: optInt('chunkBytes', 1024 * 1024, 1024 * 1024 * 1024),
    fairScheduling: bool('fairScheduling', true),
    // At most 60: the scaling policy reads one-minute periods, and a minute without a line is a gap.
    queueDepthEmfSeconds: int('queueDepthEmfSeconds', 30, 1, 60),
  };

  if (problems.length > 0) {
    throw new ConfigError(`Invalid CDK context:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
