import { Injectable } from '@nestjs/common';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { FairScheduler } from '@app/tasks/fairness';
import type { FairTag, WorkUnit } from '@app/tasks/fairness';
import { reserveOutcome } from '@app/tasks/limits';
import type { ReserveOutcome } from '@app/tasks/limits';
import type { QueueName } from '@app/tasks/queues';
import { serializeTaskFields } from '@app/tasks/records';
import type { TaskRecord } from '@app/tasks/records';
import { InjectRedis, redisKeys, TaskRedis } from '@app/tasks/redis';

/** A task's first unit, for the fair tag: which queue it goes to and what it costs. */
export interface AdmittedUnit {
  queue: QueueName;
  unit: WorkUnit;
}

export type Admission =
  { outcome: 'ok'; fair: FairTag | undefined } | { outcome: Exclude<ReserveOutcome, 'ok'> };

/**
 * Admits a task in one Redis round trip (the taskSubmit script): reserves its slot and bytes against
 * the client's caps (as ClientUsageStore.reserve), writes its record (as TaskStore.create) and takes
 * its fair tag (as FairScheduler.tag), all or, when a cap refuses, nothing. Three round trips before;
 * under load every one of them held a connection and its body buffer a little longer.
 */
@Injectable()
export class TaskAdmission {
  constructor(
    @InjectRedis() private readonly redis: TaskRedis,
    @InjectConfig() private readonly config: AppConfig,
    private readonly fair: FairScheduler,
  ) {}

  async admit(
    record: TaskRecord,
    reservedBytes: number,
    { queue, unit }: AdmittedUnit,
    now = Date.now(),
  ): Promise<Admission> {
    const { queuePrefix: prefix, resultTtlSeconds: ttl } = this.config;
    const range = this.fair.range(record.client, queue, [unit]);
    const [code, virtualTime, lastFinish] = await this.redis.taskSubmit(
      ...redisKeys.clientUsage(prefix, record.client),
      redisKeys.task(prefix, record.token),
      redisKeys.fair(prefix),
      redisKeys.clientTasks(prefix, record.client),
      record.token,
      now,
      now + ttl * 1000,
      reservedBytes,
      this.config.maxPendingTasksPerClient,
      this.config.maxStoredBytesPerClient,
      ttl,
      range?.finishField ?? '',
      range?.total ?? 0,
      range?.virtualField ?? '',
      ...Object.entries(serializeTaskFields(record)).flat(),
    );
    const outcome = reserveOutcome(code);
    if (outcome !== 'ok') return { outcome };
    return { outcome, fair: range?.place(virtualTime, lastFinish)[0] };
  }
}
