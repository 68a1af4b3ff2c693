import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, ConfigModule } from '@app/tasks/config';
import { EvenSumRunnerModule } from '@app/tasks/even-sum';
import { HealthModule } from '@app/tasks/health';
import { pinoOptions } from '@app/tasks/logging';
import { RandomizeRunnerModule } from '@app/tasks/randomize';
import { RetiredQueueName } from '@app/tasks/queues';
import { TaskRunnerModule } from '@app/tasks/records';
import { MetricsModule } from '@app/tasks/metrics';
import { CleanupProcessor } from './maintenance/cleanup.processor';
import { EvenSumChunkProcessor } from './even-sum/even-sum-chunk.processor';
import { EvenSumPlanProcessor } from './even-sum/even-sum-plan.processor';
import { JOB_HANDLERS, JobHandler } from './queues/job-handler';
import { QueueConsumer } from './queues/queue-consumer.service';
import { RetiredQueueDrain } from './queues/retired-queue.drain';
import { RandomizeProcessor } from './randomize/randomize.processor';
import { WebhookDelivery } from '@app/tasks/webhooks';
import { WebhookDuePoller } from './webhooks/webhook-due.poller';
import { WebhookProcessor } from './webhooks/webhook.processor';

const PROCESSORS = [
  RandomizeProcessor,
  EvenSumPlanProcessor,
  EvenSumChunkProcessor,
  CleanupProcessor,
  WebhookProcessor,
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
        TaskRunnerModule,
        MetricsModule,
        RandomizeRunnerModule,
        EvenSumRunnerModule,
        HealthModule,
        // Only to move what an earlier version left in them: see RetiredQueueDrain.
        BullModule.registerQueue(...Object.values(RetiredQueueName).map((name) => ({ name }))),
      ],
      providers: [
        ...PROCESSORS,
        {
          provide: JOB_HANDLERS,
          inject: PROCESSORS,
          useFactory: (...handlers: JobHandler[]) => handlers,
        },
        RetiredQueueDrain,
        QueueConsumer,
        WebhookDelivery,
        WebhookDuePoller,
      ],
    };
  }
}
