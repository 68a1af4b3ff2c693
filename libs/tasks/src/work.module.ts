import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { CpuGate } from './fairness/cpu-gate';
import { TaskMetrics } from './metrics/task-metrics.service';
import { TasksModule } from './tasks.module';
import { TaskCleaner } from './tasks/task-cleaner.service';
import { TaskLifecycle } from './tasks/task-lifecycle.service';

/** The worker side of tasks: status transitions with their metrics, and the expiry sweep. */
@Module({
  imports: [TasksModule],
  providers: [
    TaskLifecycle,
    TaskMetrics,
    TaskCleaner,
    // One gate per process, as many permits as cores given to it: see CpuGate.
    {
      provide: CpuGate,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new CpuGate(config.workerConcurrency, config.fairness.gateOrder),
    },
  ],
  exports: [TasksModule, TaskLifecycle, TaskMetrics, TaskCleaner, CpuGate],
})
export class WorkModule {}
