import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { QueueErrorLog } from './queue-error-log.service';
import { QueueName } from './queue-names';
import { TaskQueue } from './task-queue.service';

/** Bull wiring shared by both apps: one Redis, one prefix, every queue registered once. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        url: config.redisUrl,
        prefix: config.queuePrefix,
        settings: {
          // A job whose worker died is handed to another worker once its lock expires (lockDuration,
          // default 30 s: far above any event-loop stall of ours, scanning is sliced) and the next
          // stalled check runs (stalledInterval, default 15 s): recovery within ~45 s.
          // maxStalledCount 2: a job that kills its worker twice is failed rather than looping forever.
          lockDuration: config.lockDurationMs,
          stalledInterval: config.stalledIntervalMs,
          maxStalledCount: 2,
        },
      }),
    }),
    BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
  ],
  providers: [TaskQueue, QueueErrorLog],
  exports: [TaskQueue, BullModule],
})
export class QueuesModule {}
