import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '../../scripts/redis-ensure';
import { pollUntil } from './poll';

const ROOT = join(__dirname, '..', '..');

/** A running process of the stack, with its captured output (pino JSON lines). */
export class ServiceProcess {
  readonly output: string[] = [];
  /** stderr lines alone: pino writes to stdout, so anything here is unstructured. */
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readonly url: string,
  ) {
    const collect = (chunk: Buffer) =>
      this.output.push(...chunk.toString().split('\n').filter(Boolean));
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', (chunk: Buffer) => {
      collect(chunk);
      this.stderr.push(...chunk.toString().split('\n').filter(Boolean));
    });
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  /** Parsed JSON log lines (non-JSON lines skipped). */
  logs(): Record<string, unknown>[] {
    return this.output.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

export interface StackOptions {
  workers?: number;
  env?: Record<string, string>;
  /** A Redis other than the shared test one (e.g. a private redis-server a test stops and restarts). */
  redisUrl?: string;
  /** A DATA_DIR the test prepared (a tmpfs mount, a regular file); the test removes it, not stop(). */
  dataDir?: string;
  /** What a started process must answer before start() returns: 'ready' (default) or only 'live'. */
  waitFor?: 'ready' | 'live';
  /** Wraps the api's command line (e.g. to run it in a namespace of its own); workers run as is. */
  wrapApi?: (argv: string[]) => string[];
  /** The build to run (default `dist/` of this checkout): a benchmark may run an older build beside it. */
  dist?: string;
}

/** The real api and workers as child processes from dist/, on the test Redis, isolated by QUEUE_PREFIX. */
export class Stack {
  api!: ServiceProcess;
  readonly workers: ServiceProcess[] = [];
  readonly prefix = `test-${randomBytes(6).toString('hex')}`;
  readonly dataDir: string;
  readonly redisUrl: string;

  private constructor(private readonly options: StackOptions) {
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tasks-data-'));
    this.redisUrl = options.redisUrl ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  }

  static async start(options: StackOptions = {}): Promise<Stack> {
    const stack = new Stack(options);
    stack.api = await stack.spawn('api');
    for (let i = 0; i < (options.workers ?? 1); i++) await stack.startWorker();
    return stack;
  }

  get url(): string {
    return this.api.url;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      REDIS_URL: this.redisUrl,
      QUEUE_PREFIX: this.prefix,
      DATA_DIR: this.dataDir,
      HOST: '127.0.0.1',
      WORKER_CONCURRENCY: '2',
      LOG_LEVEL: 'info',
      ...this.options.env,
      ...extra,
    };
  }

  /** One more api process on the same Redis, prefix and data directory (the caller stops it). */
  startApi(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    return this.spawn('api', extra);
  }

  async startWorker(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const worker = await this.spawn('worker', extra);
    this.workers.push(worker);
    return worker;
  }

  private async spawn(
    app: 'api' | 'worker',
    extra: Record<string, string> = {},
  ): Promise<ServiceProcess> {
    const port = await freePort();
    const env = this.env({
      ...(app === 'api' ? { PORT: String(port) } : { WORKER_HTTP_PORT: String(port) }),
      ...extra,
    });
    const argv = [
      process.execPath,
      join(this.options.dist ?? join(ROOT, 'dist'), 'apps', app, 'main.js'),
    ];
    const [command, ...args] = (app === 'api' && this.options.wrapApi?.(argv)) || argv;
    const proc = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const service = new ServiceProcess(app, proc, `http://127.0.0.1:${port}`);
    // A process that dies while starting (e.g. a worker booted while Redis is down) fails the start
    // at once instead of after the whole poll timeout.
    let up = false;
    const diedStarting = service.exited.then((code) => {
      if (!up) throw new Error(`${app} exited with ${code} while starting`);
    });
    diedStarting.catch(() => undefined);
    const ready = pollUntil(
      async () => {
        if (proc.exitCode !== null)
          throw new Error(`${app} exited with ${proc.exitCode}:\n${service.output.join('\n')}`);
        const res = await fetch(`${service.url}/health/${this.options.waitFor ?? 'ready'}`).catch(
          () => undefined,
        );
        return res?.status === 200 ? true : undefined;
      },
      30_000,
      `${app} to become ready`,
    );
    await Promise.race([ready, diedStarting]).then(
      () => (up = true),
      (err: Error) => {
        ready.catch(() => undefined);
        proc.kill('SIGKILL');
        throw new Error(`${err.message}\n${service.output.slice(-20).join('\n')}`);
      },
    );
    return service;
  }

  /** A Redis client on the test Redis (caller quits it). */
  redis(): Redis {
    return new Redis(this.redisUrl);
  }

  async stop(): Promise<void> {
    await Promise.all([this.api, ...this.workers].filter(Boolean).map((p) => p.stop('SIGKILL')));
    const redis = this.redis();
    try {
      const keys = await redis.keys(`${this.prefix}:*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    if (!this.options.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
