import Queue from 'bull';
import Redis from 'ioredis';
import { QueueName } from '@app/tasks/queues';
import { int, Rand } from './fuzz';
import { pollUntil } from './poll';
import { RedisServer } from './redis-server';
import { ServiceProcess, Stack } from './stack';

const KiB = 1024;

export interface ChaosRigOptions {
  /** Workers kept running between faults (a killed one is replaced). */
  workers?: number;
  chunkBytes?: number;
  /** Extra env for the api and workers. */
  env?: Record<string, string>;
  /** Redis' AOF fsync policy: `always` (default here) loses no acknowledged write to a SIGKILL. */
  appendfsync?: 'always' | 'everysec';
}

/** The queues the harness re-adds jobs to (duplicate deliveries). */
export type DuplicateQueue = QueueName.EvenSum | QueueName.EvenSumChunk;

const DUPLICATE_QUEUES: DuplicateQueue[] = [QueueName.EvenSum, QueueName.EvenSumChunk];

/**
 * The system under chaos: a private redis-server (AOF, by default appendfsync always, so a SIGKILL
 * loses no acknowledged write), the real api and workers from dist with small chunks and fast stalled-job
 * recovery, and the means to hurt them: SIGKILL a worker (a replacement starts), SIGKILL Redis
 * (it restarts after an outage), re-add jobs through bull queues of the same prefix.
 */
export class ChaosRig {
  /** A plain client for reading state; fails at once while Redis is down instead of queueing. */
  readonly probe: Redis;
  private readonly queues: Map<DuplicateQueue, Queue.Queue>;
  private readonly spawning = new Set<Promise<unknown>>();
  private outage?: Promise<void>;
  /** Worker starts that failed (it exited while booting, e.g. Redis went down meanwhile). */
  bootFailures = 0;

  private constructor(
    readonly redis: RedisServer,
    readonly stack: Stack,
    readonly chunkBytes: number,
    private readonly targetWorkers: number,
  ) {
    const { port } = new URL(redis.url);
    // No offline queue: an add during an outage fails now rather than landing, uncounted, later.
    // Reconnect within 200 ms (bull's default backs off up to 20 s); a fresh object for each
    // client, as bull fills in the options it is given.
    const connection = () => ({
      host: '127.0.0.1',
      port: Number(port),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 200,
    });
    this.probe = new Redis(connection());
    this.probe.on('error', () => undefined);
    this.queues = new Map(
      DUPLICATE_QUEUES.map((name) => {
        const queue = new Queue(name, { prefix: stack.prefix, redis: connection() });
        queue.on('error', () => undefined);
        return [name, queue];
      }),
    );
  }

  static async start(options: ChaosRigOptions = {}): Promise<ChaosRig> {
    const chunkBytes = options.chunkBytes ?? 128 * KiB;
    const workers = options.workers ?? 2;
    const redis = await RedisServer.start({ appendfsync: options.appendfsync ?? 'always' });
    const stack = await Stack.start({
      redisUrl: redis.url,
      workers,
      // A worker started during a Redis outage is live, not ready: do not wait for Redis.
      waitFor: 'live',
      env: {
        CHUNK_BYTES: String(chunkBytes),
        // Fast stalled-job recovery (a dead worker's job is back within ~3 s), as in worker-crash.
        LOCK_DURATION_MS: '2000',
        STALLED_INTERVAL_MS: '1000',
        WORKER_CONCURRENCY: '2',
        RATE_LIMIT_PER_MINUTE: '100000',
        ...options.env,
      },
    }).catch(async (err: unknown) => {
      await redis.dispose();
      throw err;
    });
    const rig = new ChaosRig(redis, stack, chunkBytes, workers);
    await Promise.all([...rig.queues.values()].map((q) => q.isReady()));
    return rig;
  }

  get url(): string {
    return this.stack.url;
  }

  get prefix(): string {
    return this.stack.prefix;
  }

  /** Redis runs and no outage is under way. */
  get redisUp(): boolean {
    return this.outage === undefined && this.redis.running;
  }

  /** The bull queue `name` of the stack, for adding duplicate jobs and counting pending ones. */
  queue(name: DuplicateQueue): Queue.Queue {
    return this.queues.get(name)!;
  }

  liveWorkers(): ServiceProcess[] {
    return this.stack.workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  }

  /** SIGKILLs a random live worker and starts a replacement after `restartAfterMs`; false if none runs. */
  async killWorker(rand: Rand, restartAfterMs: number): Promise<boolean> {
    const live = this.liveWorkers();
    if (live.length === 0) return false;
    await live[int(rand, 0, live.length - 1)].stop('SIGKILL');
    this.spawnWorker(restartAfterMs);
    return true;
  }

  private spawnWorker(afterMs: number): void {
    const spawned = new Promise((r) => setTimeout(r, afterMs))
      .then(() => this.startWorker())
      // A start that fails even so (a busy machine) is made up for by recover().
      .catch(() => undefined)
      .finally(() => this.spawning.delete(spawned));
    this.spawning.add(spawned);
  }

  /**
   * Starts a worker as an orchestrator would: a worker exits at boot when Redis does not answer
   * ("Connection is closed"), so it waits for an outage to end and tries again if it died anyway.
   */
  private async startWorker(): Promise<ServiceProcess> {
    for (let attempt = 1; ; attempt++) {
      await this.outage?.catch(() => undefined);
      try {
        return await this.stack.startWorker();
      } catch (err) {
        this.bootFailures++;
        if (attempt === 5) throw err;
      }
    }
  }

  /** SIGKILLs Redis and restarts it after `outageMs` (in the background); false if it is already down. */
  killRedis(outageMs: number): boolean {
    if (!this.redisUp) return false;
    const outage = this.redis
      .stop('SIGKILL')
      .then(() => new Promise((r) => setTimeout(r, outageMs)))
      .then(() => this.redis.restart())
      .finally(() => {
        if (this.outage === outage) this.outage = undefined;
      });
    this.outage = outage;
    return true;
  }

  /** After the faults: Redis up (and answering), replacements started, at least the target workers live. */
  async recover(): Promise<void> {
    await this.outage?.catch(() => undefined);
    if (!this.redis.running) await this.redis.restart();
    while (this.spawning.size) await Promise.all([...this.spawning]);
    for (let live = this.liveWorkers().length; live < this.targetWorkers; live++)
      await this.startWorker();
    await pollUntil(
      async () => ((await this.probe.ping().catch(() => '')) === 'PONG' ? true : undefined),
      15_000,
      'Redis to answer again',
    );
  }

  /** Log lines of every worker (killed ones included) that mention `token`. */
  workerLogs(token: string): string[] {
    return this.stack.workers.flatMap((w, i) =>
      w.output.filter((line) => line.includes(token)).map((line) => `worker#${i} ${line}`),
    );
  }

  async stop(): Promise<void> {
    await this.recover().catch(() => undefined);
    // bull's close() can wait forever on a client that is still reconnecting: bounded.
    const closed = Promise.all(
      [...this.queues.values()].map((q) => q.close().catch(() => undefined)),
    );
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5000).unref())]);
    this.probe.disconnect();
    await this.stack.stop().catch(() => undefined);
    await this.redis.dispose();
  }
}
