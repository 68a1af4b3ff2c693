import { Module } from '@nestjs/common';
import { QueuesModule } from './queues/queues.module';
import { RedisModule } from './redis/redis.module';
import { StorageModule } from './storage/storage.module';
import { TaskStore } from './tasks/task-store.service';
import { UploadSessionStore } from './tasks/upload-session.store';
import { ClientUsageStore } from './limits/client-usage.store';
import { FairScheduler } from './fairness/fair-scheduler.service';

/** What both apps share: Redis, bull queues, the blob store and task records. Needs ConfigModule.forRoot. */
@Module({
  imports: [RedisModule, StorageModule, QueuesModule],
  providers: [TaskStore, ClientUsageStore, FairScheduler, UploadSessionStore],
  exports: [QueuesModule, TaskStore, ClientUsageStore, FairScheduler, UploadSessionStore],
})
export class TasksModule {}
