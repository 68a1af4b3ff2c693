import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '@app/tasks/config/app-config';
import { ConfigModule } from '@app/tasks/config/config.module';
import { EvenSumModule } from '@app/tasks/even-sum/even-sum.module';
import { HealthModule } from '@app/tasks/health/health.module';
import { pinoOptions } from '@app/tasks/logging/pino-options';
import { RandomizeModule } from '@app/tasks/randomize/randomize.module';
import { WorkModule } from '@app/tasks/work.module';
import { MetricsModule } from '@app/tasks/metrics/metrics.module';
import { CleanupProcessor } from './maintenance/cleanup.processor';
import { EvenSumChunkProcessor } from './even-sum/even-sum-chunk.processor';
import { EvenSumPlanProcessor } from './even-sum/even-sum-plan.processor';
import { JOB_HANDLERS, JobHandler } from './queues/job-handler';
import { QueueConsumer } from './queues/queue-consumer.service';
import { RandomizeProcessor } from './randomize/randomize.processor';

const PROCESSORS = [
  RandomizeProcessor,
  EvenSumPlanProcessor,
  EvenSumChunkProcessor,
  CleanupProcessor,
];

/** The worker: consumes the queues; serves only health and metrics over HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(pinoOptions(config, 'worker')),
        WorkModule,
        MetricsModule,
        RandomizeModule,
        EvenSumModule,
        HealthModule,
      ],
      providers: [
        ...PROCESSORS,
        {
          provide: JOB_HANDLERS,
          inject: PROCESSORS,
          useFactory: (...handlers: JobHandler[]) => handlers,
        },
        QueueConsumer,
      ],
    };
  }
}
