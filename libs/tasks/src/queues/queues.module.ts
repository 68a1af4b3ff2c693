import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
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
          // A job whose worker died is noticed within stalledInterval and handed to another worker.
          // lockDuration 30 s tolerates event-loop stalls far longer than ours (scanning is sliced);
          // maxStalledCount 2: a job that kills its worker twice is failed rather than looping forever.
          lockDuration: 30_000,
          stalledInterval: 15_000,
          maxStalledCount: 2,
        },
      }),
    }),
    BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
  ],
  providers: [TaskQueue],
  exports: [TaskQueue, BullModule],
})
export class QueuesModule {}
