import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, InjectConfig } from '../config/app-config';
import { InjectRedis } from '../redis/redis.module';
import { advanceVirtualTime, priorityOf, tagUnits } from './start-time-fair-queue';

// Optimistic concurrency on the fair-queue hash: the arithmetic stays in TypeScript
// (start-time-fair-queue.ts, unit-tested), Redis only applies a result computed from the version it
// read. KEYS[1] = hash; ARGV[1] = expected version, then field/value pairs. Returns 1 if applied.
const COMPARE_AND_SET = `
local version = redis.call('HGET', KEYS[1], 'version') or '0'
if version ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', tonumber(version) + 1, unpack(ARGV, 2))
return 1`;

const MAX_TRIES = 50;

/** A unit's start tag and the bull priority that orders it (absent when fairness is off). */
export interface FairTag {
  tag: number;
  priority: number;
}

/**
 * Start-time fair queuing across clients with its state in Redis, so every api and worker process
 * agrees on the virtual time and each client's last finish tag.
 */
@Injectable()
export class FairScheduler {
  private readonly key: string;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.key = `${config.queuePrefix}:fair`;
  }

  get enabled(): boolean {
    return this.config.fairScheduling;
  }

  /** Tags a client's new units (estimated CPU ms each); undefined entries when fairness is off. */
  async tag(client: string, costs: number[]): Promise<(FairTag | undefined)[]> {
    if (!this.enabled) return costs.map(() => undefined);
    const field = `finish:${client}`;
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const [version, virtualTime, lastFinish] = await this.redis.hmget(this.key, 'version', 'virtual', field);
      const { tags, lastFinish: next } = tagUnits({ virtualTime: Number(virtualTime ?? 0), lastFinish: Number(lastFinish ?? 0) }, costs);
      if (await this.compareAndSet(version, [field, next])) return tags.map((tag) => ({ tag, priority: priorityOf(tag) }));
    }
    throw new Error('fair scheduler state is too contended');
  }

  /** A unit with `tag` started: the virtual time moves up to it. */
  async started(tag: number | undefined): Promise<void> {
    if (!this.enabled || tag === undefined) return;
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const [version, virtualTime] = await this.redis.hmget(this.key, 'version', 'virtual');
      const current = Number(virtualTime ?? 0);
      const next = advanceVirtualTime(current, tag);
      if (next === current || (await this.compareAndSet(version, ['virtual', next]))) return;
    }
  }

  /**
   * Rebases all tags to 0 when nothing is queued or running (called by the periodic sweep), so they
   * stay inside bull's priority range however long the service runs.
   */
  async rebaseIfIdle(isIdle: () => Promise<boolean>): Promise<boolean> {
    const version = await this.redis.hget(this.key, 'version');
    if (version === null || !(await isIdle())) return false;
    // Only if nobody tagged a unit meanwhile; the version restarts from 0 with the hash.
    const deleted = await this.redis.eval(
      `if redis.call('HGET', KEYS[1], 'version') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
      1, this.key, version,
    );
    return deleted === 1;
  }

  private async compareAndSet(version: string | null, pairs: (string | number)[]): Promise<boolean> {
    return (await this.redis.eval(COMPARE_AND_SET, 1, this.key, version ?? '0', ...pairs)) === 1;
  }
}
