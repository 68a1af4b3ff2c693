import { Injectable } from '@nestjs/common';
import { AppConfig, InjectConfig } from '../config';
import { QueueName } from '../queues';
import { redisKeys, TaskRedis, InjectRedis } from '../redis';
import { FairnessPolicy, FairTag, WorkUnit } from './fairness-policy';
import { ClientClock, tagUnits } from './start-time-fair-queue';

/** The fairReserve step of a client's units, and how its reply becomes their tags. */
export interface FairRange {
  key: string;
  finishField: string;
  virtualField: string;
  total: number;
  place(virtualTime: string, lastFinish: string): FairTag[];
}

/**
 * Start-time fair queuing across clients with its state in Redis, so every api and worker process
 * agrees on the virtual times and each client's last finish tag.
 *
 * Each queue is its own fair queue (its own virtual time and finish tags): the queues are served in
 * parallel, so one clock for all would be pushed ahead by the fastest queue (a big file's chunks)
 * and a newcomer's image would be tagged behind every image already waiting; likewise a client's
 * small even-sum, tagged at the chunk queue's clock, would push its next image behind everyone's.

 */
@Injectable()
export class FairScheduler {
  private readonly key: string;
  private readonly policy: FairnessPolicy;

  constructor(
    @InjectRedis() private readonly redis: TaskRedis,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.key = redisKeys.fair(config.queuePrefix);
    this.policy = new FairnessPolicy({ ...config.fairness, chunkBytes: config.chunkBytes });
  }

  get enabled(): boolean {
    return this.policy.active;
  }

  /** Tags a client's new units in `queue` (FairnessPolicy); undefined entries when fairness is off. */
  async tag(client: string, queue: QueueName, units: WorkUnit[]): Promise<(FairTag | undefined)[]> {
    const range = this.range(client, queue, units);
    if (!range) return units.map(() => undefined);
    // One atomic step: two api replicas tagging the same client at once get disjoint ranges.
    const [virtualTime, lastFinish] = await this.redis.fairReserve(
      range.key,
      range.finishField,
      range.total,
      range.virtualField,
    );
    return range.place(virtualTime, lastFinish);
  }

  /**
   * What tagging a client's units takes in Redis (the fairReserve arguments), for a caller that
   * runs that step inside a script of its own (the api's submission); `place` turns the V and F it
   * returned into the tags. Undefined when fairness is off.
   */
  range(client: string, queue: QueueName, units: WorkUnit[]): FairRange | undefined {
    if (!this.enabled) return undefined;
    const costs = units.map((unit) => this.policy.cost(unit));
    const { lastFinish: total } = tagUnits({ virtualTime: 0, lastFinish: 0 }, costs);
    return {
      key: this.key,
      finishField: redisKeys.fairFinishField(queue, client),
      virtualField: redisKeys.fairVirtualField(queue),
      total,
      place: (virtualTime, lastFinish) => {
        const clock: ClientClock = {
          virtualTime: Number(virtualTime),
          lastFinish: Number(lastFinish),
        };
        return this.policy.place(clock, costs);
      },
    };
  }

  /** A unit with `tag` started in `queue`: that queue's virtual time moves up to it. */
  async started(queue: QueueName, tag: number | undefined): Promise<void> {
    if (!this.enabled || tag === undefined) return;
    await this.redis.fairAdvance(this.key, tag, redisKeys.fairVirtualField(queue));
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
