import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues';
import { RedisModule } from '../redis';
import { StorageModule } from '../storage';
import { TaskStore } from './task-store.service';
import { TaskIndex } from './task-index.store';
import { UploadSessionStore } from './upload-session.store';
import { ClientUsageStore } from '../limits';
import { FairScheduler } from '../fairness';

/** What both apps share: Redis, bull queues, the blob store and task records. Needs ConfigModule.forRoot. */
@Module({
  imports: [RedisModule, StorageModule, QueuesModule],
  providers: [TaskStore, TaskIndex, ClientUsageStore, FairScheduler, UploadSessionStore],
  exports: [
    QueuesModule,
    TaskStore,
    TaskIndex,
    ClientUsageStore,
    FairScheduler,
    UploadSessionStore,
  ],
})
export class TaskDataModule {}
