import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, InjectConfig } from '../config/app-config';
import { InjectRedis } from '../redis/redis.module';
import { priorityOf, tagUnits } from './start-time-fair-queue';

// The one step that must be atomic across processes: a client's new units take the virtual-time
// range [S, S + total) with S = max(V, F[client]) (start-time fair queuing), and F[client] moves
// to its end. tagUnits (unit-tested) spreads the range over the units. Tags are whole numbers.
// KEYS[1] = hash; ARGV[1] = the client's field, ARGV[2] = total cost. Returns S.
const RESERVE = `
local virtual = tonumber(redis.call('HGET', KEYS[1], 'virtual') or '0')
local finish = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local start = math.max(virtual, finish)
redis.call('HSET', KEYS[1], ARGV[1], start + tonumber(ARGV[2]))
return tostring(start)`;

// V only moves forward: KEYS[1] = hash; ARGV[1] = the started unit's tag.
const ADVANCE = `
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'virtual') or '0') then
  redis.call('HSET', KEYS[1], 'virtual', ARGV[1])
end
return 1`;

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
    const { lastFinish: total } = tagUnits({ virtualTime: 0, lastFinish: 0 }, costs);
    const start = Number(await this.redis.eval(RESERVE, 1, this.key, `finish:${client}`, total));
    const { tags } = tagUnits({ virtualTime: start, lastFinish: start }, costs);
    return tags.map((tag) => ({ tag, priority: priorityOf(tag) }));
  }

  /** A unit with `tag` started: the virtual time moves up to it. */
  async started(tag: number | undefined): Promise<void> {
    if (!this.enabled || tag === undefined) return;
    await this.redis.eval(ADVANCE, 1, this.key, tag);
  }

  /**
   * Rebases all tags to 0 when nothing is queued or running (called by the periodic sweep), so they
   * stay inside bull's priority range however long the service runs. A unit tagged in the instant
   * between the check and the reset keeps its old tag: it runs a little later once, no more.
   */
  async rebaseIfIdle(isIdle: () => Promise<boolean>): Promise<boolean> {
    if (!(await this.redis.exists(this.key)) || !(await isIdle())) return false;
    await this.redis.del(this.key);
    return true;
  }
}
