import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, InjectConfig } from '../config/app-config';
import { InjectRedis } from '../redis/redis.module';

// KEYS: pending zset, stored zset, sizes hash. ARGV: token, now ms, expiry ms, bytes, max pending, max bytes.
// Entries past their task's expiry are dropped first, so a crashed worker or an expired task cannot
// hold a client's quota forever. Returns 0 when reserved, 1 over the pending cap, 2 over the byte cap.
const RESERVE = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
for _, token in ipairs(expired) do redis.call('HDEL', KEYS[3], token) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then return 1 end
local used = 0
for _, size in ipairs(redis.call('HVALS', KEYS[3])) do used = used + tonumber(size) end
if used + tonumber(ARGV[4]) > tonumber(ARGV[6]) then return 2 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
local ttl = math.ceil((tonumber(ARGV[3]) - tonumber(ARGV[2])) / 1000)
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
return 0`;

export type ReserveOutcome = 'ok' | 'too-many-pending' | 'too-many-bytes';

/**
 * Per-client usage in Redis, shared by every api and worker: unfinished tasks (for
 * MAX_PENDING_TASKS_PER_CLIENT) and bytes stored by unexpired tasks (for MAX_STORED_BYTES_PER_CLIENT).
 */
@Injectable()
export class ClientUsageStore {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  private keys(client: string): [string, string, string] {
    const base = `${this.config.queuePrefix}:client:${client}`;
    return [`${base}:pending`, `${base}:stored`, `${base}:sizes`];
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

  /** Counts a new task against the client's caps, atomically; says which cap refused it. */
  async reserve(
    client: string,
    token: string,
    bytes: number,
    now = Date.now(),
  ): Promise<ReserveOutcome> {
    const expiresAt = now + this.config.resultTtlSeconds * 1000;
    const result = await this.redis.eval(
      RESERVE,
      3,
      ...this.keys(client),
      token,
      now,
      expiresAt,
      bytes,
      this.config.maxPendingTasksPerClient,
      this.config.maxStoredBytesPerClient,
    );
    return result === 0 ? 'ok' : result === 1 ? 'too-many-pending' : 'too-many-bytes';
  }

  /** The task ended: it no longer counts as pending (its bytes count until it expires). */
  async finished(client: string, token: string): Promise<void> {
    await this.redis.zrem(this.keys(client)[0], token);
  }

  /** The submission failed: nothing of it counts. */
  async cancel(client: string, token: string): Promise<void> {
    const [pending, stored, sizes] = this.keys(client);
    await this.redis.multi().zrem(pending, token).zrem(stored, token).hdel(sizes, token).exec();
  }
}
