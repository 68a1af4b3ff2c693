import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, InjectConfig } from '../config/app-config';
import { QueueName } from '../queues/queue-names';
import { InjectRedis } from '../redis/redis.module';
import { FairnessPolicy, FairTag, WorkUnit } from './fairness-policy';
import { ClientClock, tagUnits } from './start-time-fair-queue';

// The one step that must be atomic across processes: a client's new units take the virtual-time
// range [S, S + total) with S = max(V[queue], F[queue, client]) (start-time fair queuing), and
// F[queue, client] moves to its end. tagUnits (unit-tested) spreads the range over the units. Tags
// are whole numbers. KEYS[1] = hash; ARGV[1] = the client's F field, ARGV[2] = total cost,
// ARGV[3] = the queue's V field.
// Returns V and the client's F as they were before.
const RESERVE = `
local virtual = tonumber(redis.call('HGET', KEYS[1], ARGV[3]) or '0')
local finish = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
redis.call('HSET', KEYS[1], ARGV[1], math.max(virtual, finish) + tonumber(ARGV[2]))
return {tostring(virtual), tostring(finish)}`;

// V only moves forward: KEYS[1] = hash; ARGV[1] = the started unit's tag, ARGV[2] = the queue's V field.
const ADVANCE = `
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0') then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[1])
end
return 1`;

/**
 * Start-time fair queuing across clients with its state in Redis, so every api and worker process
 * agrees on the virtual times and each client's last finish tag.
 *
 * Each queue is its own fair queue (its own virtual time and finish tags): the queues are served in
 * parallel, so one clock for all would be pushed ahead by the fastest queue (a big file's chunks)
 * and a newcomer's image would be tagged behind every image already waiting; likewise a client's
 * small even-sum, tagged at the chunk queue's clock, would push its next image behind everyone's.
 *
 * Tag order decides which unit takes the next free slot, but a slot frees only when its unit ends:
 * behind a backlog, a quiet client's image would wait for some running image or 64 MiB chunk to
 * finish. So a unit that is due now (takesExpressLane) goes to the express queue, whose own slots
 * only such units use; the CPU gate then gives its steps the cores ahead of the backlog's.
 */
@Injectable()
export class FairScheduler {
  private readonly key: string;
  private readonly policy: FairnessPolicy;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.key = `${config.queuePrefix}:fair`;
    this.policy = new FairnessPolicy({ ...config.fairness, chunkBytes: config.chunkBytes });
  }

  get enabled(): boolean {
    return this.policy.active;
  }

  /** Tags a client's new units in `queue` (FairnessPolicy); undefined entries when fairness is off. */
  async tag(client: string, queue: QueueName, units: WorkUnit[]): Promise<(FairTag | undefined)[]> {
    if (!this.enabled) return units.map(() => undefined);
    const costs = units.map((unit) => this.policy.cost(unit));
    const { lastFinish: total } = tagUnits({ virtualTime: 0, lastFinish: 0 }, costs);
    const [virtualTime, lastFinish] = (await this.redis.eval(
      RESERVE,
      1,
      this.key,
      `finish:${queue}:${client}`,
      total,
      `virtual:${queue}`,
    )) as string[];
    const clock: ClientClock = { virtualTime: Number(virtualTime), lastFinish: Number(lastFinish) };
    return this.policy.place(clock, costs);
  }

  /** A unit with `tag` started in `queue`: that queue's virtual time moves up to it. */
  async started(queue: QueueName, tag: number | undefined): Promise<void> {
    if (!this.enabled || tag === undefined) return;
    await this.redis.eval(ADVANCE, 1, this.key, tag, `virtual:${queue}`);
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
