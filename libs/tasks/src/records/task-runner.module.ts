import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { CpuGate } from '../fairness';
import { TaskMetrics } from '../metrics';
import { TaskDataModule } from './task-data.module';
import { TaskCleaner } from './task-cleaner.service';
import { TaskLifecycle } from './task-lifecycle.service';

/** The worker side of tasks: status transitions with their metrics, and the expiry sweep. */
@Module({
  imports: [TaskDataModule],
  providers: [
    TaskLifecycle,
    TaskMetrics,
    TaskCleaner,
    // One gate per process, as many permits as cores given to it: see CpuGate.
    {
      provide: CpuGate,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new CpuGate(config.workerConcurrency),
    },
  ],
  exports: [TaskDataModule, TaskLifecycle, TaskMetrics, TaskCleaner, CpuGate],
})
export class TaskRunnerModule {}
