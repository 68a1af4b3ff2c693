import { Inject } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ApiKey, ApiKeysSource, parseApiKeys } from './api-keys';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

/**
 * Every environment variable the service reads, with its default. This is the only place that
 * knows about `process.env`; the Docker/compose tests check their variables against these keys.
 */
export const configSchema = z.object({
  PORT: int(0, 65535).default(5000),
  HOST: z.string().default('0.0.0.0'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  // Bull and task-record key prefix: isolates deployments and test runs sharing one Redis.
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}.-]+$/, 'letters, digits, _ - . { } only')
    .default('tasks'),
  STORAGE: z.enum(['fs', 's3']).default('fs'),
  DATA_DIR: z.string().min(1).default('./data'),
  S3_BUCKET: optionalString,
  S3_REGION: z.string().default('us-east-1'),
  S3_ENDPOINT: optionalString,
  S3_FORCE_PATH_STYLE: bool.default('false'),
  // Part size of multipart uploads (streamed through the api and presigned): S3 wants >= 5 MiB
  // parts; the api buffers up to 4 parts per streamed upload, so this bounds its memory too.
  S3_PART_BYTES: int(5 * MiB, 5 * GiB).default(8 * MiB),
  // Lifetime of presigned part URLs (direct uploads), and of an upload session after the client's
  // last request on it (start, GET to resume, complete); an unfinished upload is aborted after it.
  // A few seconds are allowed so that the tests can see a session expire.
  PRESIGN_EXPIRES_SECONDS: int(2, 7 * 86400).default(3600),
  // Lifetime of a presigned result download (GET …/result?redirect=true, STORAGE=s3): short, as the
  // URL is a bearer credential for the result; the client follows it at once.
  RESULT_URL_EXPIRES_SECONDS: int(1, 7 * 86400).default(60),
  // api processes sharing PORT (node:cluster): 1 is a single process, no cluster. Default 1, so a
  // bare `node dist/apps/api/main.js` (tests, one-vCPU ECS tasks) stays one process; `npm start`
  // and docker-compose set it to the CPUs they have.
  API_PROCESSES: int(1, 64).default(1),
  WORKER_HTTP_PORT: int(0, 65535).default(5001),
  WORKER_CONCURRENCY: int(1, 256).default(availableParallelism()),
  // worker processes sharing WORKER_HTTP_PORT (node:cluster): 1 is a single process, no cluster.
  // One process per core × WORKER_CONCURRENCY=1 is fairer between clients than one process × N
  // slots: the CPU gate orders waiting work within one process only, bull hands jobs out FIFO.
  WORKER_PROCESSES: int(1, 64).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.default('false'),
  MAX_IMAGE_BYTES: int(1).default(20 * MiB),
  // Image bodies are read whole into memory: these cap the bytes held at once in one api process
  // (a per-process count, as memory is per process), so that many clients, or one client's many
  // uploads, cannot take the api's memory. 128 MiB keeps a 2-core ~1 GiB api far from its limit
  // (a chunked body is held twice for a moment when its pieces are joined) and still admits 6
  // maximal images at once, or hundreds of ordinary ones; one client gets at most half of it.
  MAX_IMAGE_BYTES_IN_FLIGHT: int(1).default(128 * MiB),
  MAX_CLIENT_BYTES_IN_FLIGHT: int(1).default(64 * MiB),
  // A whole image body must arrive within this: trickling a byte now and then defeats an idle
  // timeout, and would otherwise hold a reservation (and its memory) for ever. 20 MiB in 30 s is
  // 5.6 Mbit/s; an ordinary PNG of a few MB needs well under 1 Mbit/s.
  IMAGE_BODY_TIMEOUT_MS: int(100).default(30_000),
  // 4096 x 4096: decoded RGBA plus the shuffled copy stay near 128 MiB per job.
  MAX_IMAGE_PIXELS: int(1).default(4096 * 4096),
  PNG_COMPRESSION_LEVEL: int(0, 9).default(3),
  MAX_UPLOAD_BYTES: int(1).default(10 * GiB),
  CHUNK_BYTES: int(1).default(64 * MiB),
  RESULT_TTL_SECONDS: int(1).default(86400),
  // bull stalled-job recovery: a dead worker's job lock expires after LOCK_DURATION_MS and the next
  // check (every STALLED_INTERVAL_MS, in any live worker) hands the job to another worker.
  LOCK_DURATION_MS: int(1000).default(30_000),
  STALLED_INTERVAL_MS: int(500).default(15_000),
  // SIGTERM: how long a worker waits for its active jobs, and the api for in-flight requests.
  SHUTDOWN_TIMEOUT_MS: int(0).default(25_000),
  // How often a worker removes blobs and failed jobs of tasks whose records have expired.
  CLEANUP_INTERVAL_SECONDS: int(1).default(600),
  // A stalled upload is cut off after this long without a byte (replaces Node's 300 s requestTimeout).
  UPLOAD_IDLE_TIMEOUT_MS: int(1000).default(60_000),
  // How long an idle keep-alive connection stays open; behind a load balancer it must exceed the
  // balancer's idle timeout (ALB: 60 s default), or the balancer reuses a closed connection (502).
  KEEP_ALIVE_TIMEOUT_MS: int(1000).default(65_000),
  ADMIN_TOKEN: optionalString,
  API_KEYS: optionalString,
  // Fair start tags as bull priorities; false: FIFO in each queue (for measurement: bench:fairness).
  FAIR_SCHEDULING: bool.default('true'),
  RATE_LIMIT_PER_MINUTE: int(1).default(600),
  MAX_PENDING_TASKS_PER_CLIENT: int(1).default(1000),
  MAX_STORED_BYTES_PER_CLIENT: int(1).default(50 * GiB),
  // Streamed uploads (POST/PUT /even-sum) a client may have open at once: each holds a connection
  // and a partial blob; counted in Redis with a lease, so a crashed api cannot keep slots.
  MAX_CONCURRENT_UPLOADS_PER_CLIENT: int(1).default(8),
  CORS_ORIGINS: optionalString,
  // The api writes the queue depths as CloudWatch embedded-metric-format lines on stdout this often
  // (0 = never), under the `Deployment` dimension QUEUE_DEPTH_EMF_DEPLOYMENT (default QUEUE_PREFIX):
  // on AWS the log driver ships them and CloudWatch turns them into the metric the workers scale on.
  QUEUE_DEPTH_EMF_SECONDS: int(0, 3600).default(0),
  QUEUE_DEPTH_EMF_DEPLOYMENT: optionalString,
  // Webhooks (callbackUrl): the Standard Webhooks signing secret, `whsec_` + base64 of 24-64 random
  // bytes (e.g. `echo whsec_$(openssl rand -base64 32)`); unset, a callbackUrl is refused (400).
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'whsec_ followed by base64')
    .refine((v) => {
      const n = Buffer.from(v.slice(6), 'base64').length;
      return n >= 24 && n <= 64;
    }, 'the base64 part must decode to 24-64 bytes')
    .optional(),
  // One delivery attempt's deadline (connect, send, answer).
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  // Attempts in all; bull's exponential backoff waits WEBHOOK_BACKOFF_MS * (2^n - 1) after the n-th
  // failure: 14 attempts from 5 s span ~22.7 h, the ~24 h a receiver's outage may last.
  WEBHOOK_MAX_ATTEMPTS: int(1, 30).default(14),
  WEBHOOK_BACKOFF_MS: int(10).default(5_000),
  // Plain http callback URLs (else https only): for tests and private networks.
  WEBHOOK_ALLOW_HTTP: bool.default('false'),
  // Hosts (as written in the URL, comma-separated) exempt from the private-address guard.
  WEBHOOK_ALLOWED_HOSTS: optionalString,
  // How often a worker moves ended tasks' callbacks from the due set into the webhook queue.
  WEBHOOK_POLL_MS: int(50, 60_000).default(1_000),
});

export type ConfigEnv = z.input<typeof configSchema>;
export const CONFIG_ENV_KEYS = Object.keys(configSchema.shape) as (keyof ConfigEnv)[];

/**
 * Settings of earlier versions that no longer do anything, with what to do instead. A deployment
 * that still sets one keeps working (nothing depends on it any more); each process names them in
 * one warning at boot (AppConfig.retiredSettings), so that the operator can remove them.
 */
export const RETIRED_SETTINGS: Readonly<Record<string, string>> = {
  EXPRESS_LANE: 'the express lane was removed; every unit goes to its own queue',
  FAIR_TAGS: 'the same as FAIR_SCHEDULING now that the express lane is gone: set that instead',
  WORKER_LANES: 'every worker consumes every queue (there is no express lane any more)',
  WORKER_NICE: 'workers are no longer reniced: start the process with `nice` if you want one',
  CPU_GATE_ORDER: "a worker's CPU gate admits steps first come, first served",
};

/** The validated, typed configuration shared by the api and the worker. */
export interface AppConfig {
  port: number;
  /** api processes sharing the port (node:cluster workers); 1 = no cluster. */
  apiProcesses: number;
  workerProcesses: number;
  host: string;
  redisUrl: string;
  queuePrefix: string;
  storage:
    | { kind: 'fs'; dataDir: string }
    | {
        kind: 's3';
        bucket: string;
        region: string;
        endpoint?: string;
        forcePathStyle: boolean;
        partBytes: number;
        dataDir: string;
      };
  /** Lifetime of presigned direct-upload URLs (STORAGE=s3 only). */
  presignExpiresSeconds: number;
  /** Lifetime of presigned result downloads (STORAGE=s3 only). */
  resultUrlExpiresSeconds: number;
  workerHttpPort: number;
  workerConcurrency: number;
  logLevel: string;
  logPretty: boolean;
  maxImageBytes: number;
  /** Image body bytes one api process holds at once, over all clients. */
  maxImageBytesInFlight: number;
  /** Image body bytes one api process holds at once for one client. */
  maxImageBytesInFlightPerClient: number;
  /** Deadline for a whole image body, from the start of reading it. */
  imageBodyTimeoutMs: number;
  maxImagePixels: number;
  pngCompressionLevel: number;
  maxUploadBytes: number;
  chunkBytes: number;
  resultTtlSeconds: number;
  cleanupIntervalSeconds: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  shutdownTimeoutMs: number;
  uploadIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  adminToken?: string;
  /** Set when API_KEYS turns authentication on. */
  apiKeys?: ApiKey[];
  /** Fair start tags order each queue (FAIR_SCHEDULING; else FIFO). */
  fairness: { tags: boolean };
  rateLimitPerMinute: number;
  maxPendingTasksPerClient: number;
  maxStoredBytesPerClient: number;
  maxConcurrentUploadsPerClient: number;
  corsOrigins?: string[];
  /** Set when the api writes queue depths as CloudWatch EMF lines (QUEUE_DEPTH_EMF_SECONDS > 0). */
  queueDepthEmf?: { intervalSeconds: number; deployment: string };
  /** Completion callbacks (WEBHOOK_*); `secret` unset: callbackUrl is refused. */
  webhooks: WebhookSettings;
  /** RETIRED_SETTINGS found in the environment (ignored), each with what to do instead. */
  retiredSettings: { name: string; instead: string }[];
}

/** WEBHOOK_* settings. */
export interface WebhookSettings {
  secret?: string;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  allowHttp: boolean;
  /** Lower-cased hostnames exempt from the private-address guard. */
  allowedHosts: string[];
  pollMs: number;
}

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
  const problems: string[] = [];
  if (e.STORAGE === 's3' && !e.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE=s3');
  // Below MAX_IMAGE_BYTES, a largest allowed image could never be accepted.
  for (const name of ['MAX_IMAGE_BYTES_IN_FLIGHT', 'MAX_CLIENT_BYTES_IN_FLIGHT'] as const)
    if (e[name] < e.MAX_IMAGE_BYTES)
      problems.push(`${name}: must be at least MAX_IMAGE_BYTES (${e.MAX_IMAGE_BYTES})`);
  let apiKeys: ApiKey[] | undefined;
  try {
    apiKeys = e.API_KEYS === undefined ? undefined : parseApiKeys(...readKeysSource(e.API_KEYS));
  } catch (err) {
    problems.push(`API_KEYS: ${(err as Error).message}`);
  }
  if (problems.length)
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return {
    port: e.PORT,
    apiProcesses: e.API_PROCESSES,
    workerProcesses: e.WORKER_PROCESSES,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    storage:
      e.STORAGE === 's3'
        ? {
            kind: 's3',
            bucket: e.S3_BUCKET!,
            region: e.S3_REGION,
            endpoint: e.S3_ENDPOINT,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            partBytes: e.S3_PART_BYTES,
            dataDir: e.DATA_DIR,
          }
        : { kind: 'fs', dataDir: e.DATA_DIR },
    presignExpiresSeconds: e.PRESIGN_EXPIRES_SECONDS,
    resultUrlExpiresSeconds: e.RESULT_URL_EXPIRES_SECONDS,
    workerHttpPort: e.WORKER_HTTP_PORT,
    workerConcurrency: e.WORKER_CONCURRENCY,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    maxImageBytes: e.MAX_IMAGE_BYTES,
    maxImageBytesInFlight: e.MAX_IMAGE_BYTES_IN_FLIGHT,
    maxImageBytesInFlightPerClient: e.MAX_CLIENT_BYTES_IN_FLIGHT,
    imageBodyTimeoutMs: e.IMAGE_BODY_TIMEOUT_MS,
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    pngCompressionLevel: e.PNG_COMPRESSION_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    chunkBytes: e.CHUNK_BYTES,
    resultTtlSeconds: e.RESULT_TTL_SECONDS,
    cleanupIntervalSeconds: e.CLEANUP_INTERVAL_SECONDS,
    lockDurationMs: e.LOCK_DURATION_MS,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    uploadIdleTimeoutMs: e.UPLOAD_IDLE_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    adminToken: e.ADMIN_TOKEN,
    apiKeys,
    fairness: {
      tags: e.FAIR_SCHEDULING,
    },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    maxPendingTasksPerClient: e.MAX_PENDING_TASKS_PER_CLIENT,
    maxStoredBytesPerClient: e.MAX_STORED_BYTES_PER_CLIENT,
    maxConcurrentUploadsPerClient: e.MAX_CONCURRENT_UPLOADS_PER_CLIENT,
    corsOrigins: e.CORS_ORIGINS?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    queueDepthEmf: e.QUEUE_DEPTH_EMF_SECONDS
      ? {
          intervalSeconds: e.QUEUE_DEPTH_EMF_SECONDS,
          deployment: e.QUEUE_DEPTH_EMF_DEPLOYMENT ?? e.QUEUE_PREFIX,
        }
      : undefined,
    webhooks: {
      secret: e.WEBHOOK_SECRET,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: e.WEBHOOK_BACKOFF_MS,
      allowHttp: e.WEBHOOK_ALLOW_HTTP,
      allowedHosts: (e.WEBHOOK_ALLOWED_HOSTS ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
      pollMs: e.WEBHOOK_POLL_MS,
    },
    retiredSettings: Object.entries(RETIRED_SETTINGS)
      .filter(([name]) => env[name] !== undefined && env[name] !== '')
      .map(([name, instead]) => ({ name, instead })),
  };
}

/** API_KEYS is either the list itself or the path of a file holding it (no ':' means a path). */
function readKeysSource(value: string): [string, ApiKeysSource] {
  return value.includes(':') && !value.startsWith('/') && !value.startsWith('.')
    ? [value, 'inline']
    : [readFileSync(value, 'utf8'), 'file'];
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the validated AppConfig. */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);
