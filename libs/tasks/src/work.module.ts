import { Module } from '@nestjs/common';
import { TaskMetrics } from './metrics/task-metrics.service';
import { TasksModule } from './tasks.module';
import { TaskCleaner } from './tasks/task-cleaner.service';
import { TaskLifecycle } from './tasks/task-lifecycle.service';

/** The worker side of tasks: status transitions with their metrics, and the expiry sweep. */
@Module({
  imports: [TasksModule],
  providers: [TaskLifecycle, TaskMetrics, TaskCleaner],
  exports: [TasksModule, TaskLifecycle, TaskMetrics, TaskCleaner],
})
export class WorkModule {}
