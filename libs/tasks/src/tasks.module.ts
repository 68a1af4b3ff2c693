import { Module } from '@nestjs/common';
import { QueuesModule } from './queues/queues.module';
import { RedisModule } from './redis/redis.module';
import { StorageModule } from './storage/storage.module';
import { TaskStore } from './tasks/task-store.service';
import { ClientUsageStore } from './limits/client-usage.store';

/** What both apps share: Redis, bull queues, the blob store and task records. Needs ConfigModule.forRoot. */
@Module({
  imports: [RedisModule, StorageModule, QueuesModule],
  providers: [TaskStore, ClientUsageStore],
  exports: [QueuesModule, TaskStore, ClientUsageStore],
})
export class TasksModule {}
