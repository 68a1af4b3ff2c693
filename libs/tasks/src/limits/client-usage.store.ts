import { Injectable } from '@nestjs/common';
import { AppConfig, InjectConfig } from '../config';
import { ClientUsageKeys, redisKeys, TaskRedis, InjectRedis } from '../redis';

export type ReserveOutcome = 'ok' | 'too-many-pending' | 'too-many-bytes';
export type HoldOutcome =
  | { outcome: 'ok'; granted: number }
  | { outcome: Exclude<ReserveOutcome, 'ok'> | 'too-many-uploads' };

const REFUSALS = ['ok', 'too-many-pending', 'too-many-bytes', 'too-many-uploads'] as const;

/** The outcome a clientReserve (or taskSubmit) reply code stands for. */
export function reserveOutcome(code: number): ReserveOutcome {
  return REFUSALS[code] as ReserveOutcome;
}

/**
 * Per-client usage in Redis, shared by every api and worker: unfinished tasks and open direct
 * uploads (for MAX_PENDING_TASKS_PER_CLIENT), bytes reserved by unexpired tasks, uploads and
 * results (for MAX_STORED_BYTES_PER_CLIENT), and streamed uploads open now (for
 * MAX_CONCURRENT_UPLOADS_PER_CLIENT). Every change is one Lua script (redis/scripts/client-usage.lua.ts).
 */
@Injectable()
export class ClientUsageStore {
  constructor(
    @InjectRedis() private readonly redis: TaskRedis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  private keys(client: string): ClientUsageKeys {
    return redisKeys.clientUsage(this.config.queuePrefix, client);
  }

  /** Bytes this client may still store. */
  async bytesLeft(client: string, now = Date.now()): Promise<number> {
    const [, stored, sizes] = this.keys(client);
    const live = await this.redis.zrangebyscore(stored, now, '+inf');
    const values = live.length ? await this.redis.hmget(sizes, ...live) : [];
    const used = values.reduce((sum, v) => sum + Number(v ?? 0), 0);
    return Math.max(0, this.config.maxStoredBytesPerClient - used);
  }

  /** Unfinished tasks of this client (a cheap pre-check before accepting a long upload). */
  async pendingCount(client: string, now = Date.now()): Promise<number> {
    return this.redis.zcount(this.keys(client)[0], now, '+inf');
  }

  /**
   * Counts a task (or, with `expiresAt`, a direct-upload session until then) against the client's
   * caps, atomically; replaces the token's own earlier reservation. Says which cap refused it.
   */
  async reserve(
    client: string,
    token: string,
    bytes: number,
    now = Date.now(),
    expiresAt = now + this.config.resultTtlSeconds * 1000,
  ): Promise<ReserveOutcome> {
    const result = await this.redis.clientReserve(
      ...this.keys(client),
      token,
      now,
      expiresAt,
      bytes,
      this.config.maxPendingTasksPerClient,
      this.config.maxStoredBytesPerClient,
    );
    return reserveOutcome(result);
  }

  /**
   * Opens or renews a streamed upload until `leaseUntil`: an upload slot, a pending slot and at
   * least `need` bytes (up to `want` when the quota allows), atomically.
   */
  async hold(
    client: string,
    token: string,
    need: number,
    want: number,
    leaseUntil: number,
    now = Date.now(),
  ): Promise<HoldOutcome> {
    const [code, granted] = await this.redis.clientHold(
      ...this.keys(client),
      token,
      now,
      leaseUntil,
      need,
      Math.max(need, want),
      this.config.maxConcurrentUploadsPerClient,
      this.config.maxPendingTasksPerClient,
      this.config.maxStoredBytesPerClient,
    );
    return code === 0
      ? { outcome: 'ok', granted }
      : { outcome: REFUSALS[code] as Exclude<(typeof REFUSALS)[number], 'ok'> };
  }

  /** Sets a live reservation to the bytes the task really stores (idempotent; never revives one). */
  async settle(client: string, token: string, bytes: number, now = Date.now()): Promise<void> {
    await this.redis.clientSettle(...this.keys(client), token, now, bytes);
  }

  /** The task ended: it no longer counts as pending (its bytes count until it expires). */
  async finished(client: string, token: string): Promise<void> {
    await this.redis.zrem(this.keys(client)[0], token);
  }

  /** The submission, upload or session failed or was abandoned: nothing of it counts (idempotent). */
  async cancel(client: string, token: string): Promise<void> {
    const [pending, stored, sizes, uploads] = this.keys(client);
    await this.redis
      .multi()
      .zrem(pending, token)
      .zrem(stored, token)
      .hdel(sizes, token)
      .zrem(uploads, token)
      .exec();
  }
}
