import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, ConfigModule } from '@app/tasks/config';
import { HealthModule } from '@app/tasks/health';
import { JsonErrorFilter } from '@app/tasks/http';
import { pinoOptions } from '@app/tasks/logging';
import { TaskDataModule } from '@app/tasks/records';
import { MetricsModule } from '@app/tasks/metrics';
import { SubmissionMetrics } from './metrics/submission-metrics.service';
import { QueueBoardModule } from './admin/queue-board.module';
import { HttpDrain } from './http/http-drain.service';
import { InFlightHandlers } from './http/in-flight-handlers.interceptor';
import { QueueDepthEmfPublisher } from './metrics/queue-depth-emf.publisher';
import { RateLimitModule } from './auth/rate-limit.module';
import { DirectUploadController } from './even-sum/direct-upload.controller';
import { DirectUploadService } from './even-sum/direct-upload.service';
import { DirectUploadSessions } from './even-sum/direct-upload-sessions.service';
import { DirectUploadStarter } from './even-sum/direct-upload-starter.service';
import { EvenSumController } from './even-sum/even-sum.controller';
import { EvenSumService } from './even-sum/even-sum.service';
import { RandomizeController } from './randomize/randomize.controller';
import { ImageBodyReader } from './randomize/image-body.reader';
import { RandomizeService } from './randomize/randomize.service';
import { TaskCancelController } from './tasks/task-cancel.controller';
import { TaskCancelService } from './tasks/task-cancel.service';
import { TasksListController } from './tasks/tasks-list.controller';
import { TaskReader } from './tasks/task-reader.service';
import { TaskAdmission } from './tasks/task-admission.service';
import { TaskSubmitter } from './tasks/task-submitter.service';
import { DeferredCleanup } from './tasks/deferred-cleanup.service';
import { TaskEvents } from './tasks/task-events.service';
import { IdempotentSubmissions } from './tasks/idempotency.service';
import { TaskEventsController } from './tasks/task-events.controller';
import { TaskEventStream } from './tasks/task-event-stream.service';
import { TaskWaiter } from './tasks/task-waiter.service';

/** The HTTP api: takes tasks, answers status and results. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(pinoOptions(config, 'api')),
        TaskDataModule,
        HealthModule,
        MetricsModule,
        QueueBoardModule.forRoot(config),
        RateLimitModule,
      ],
      controllers: [
        RandomizeController,
        EvenSumController,
        DirectUploadController,
        TaskEventsController,
        TaskCancelController,
        TasksListController,
      ],
      providers: [
        HttpDrain,
        InFlightHandlers,
        { provide: APP_INTERCEPTOR, useExisting: InFlightHandlers },
        SubmissionMetrics,
        QueueDepthEmfPublisher,
        RandomizeService,
        ImageBodyReader,
        EvenSumService,
        DirectUploadSessions,
        DirectUploadStarter,
        DirectUploadService,
        TaskReader,
        TaskSubmitter,
        DeferredCleanup,
        TaskAdmission,
        TaskEvents,
        IdempotentSubmissions,
        TaskWaiter,
        TaskEventStream,
        TaskCancelService,
        { provide: APP_FILTER, useClass: JsonErrorFilter },
      ],
    };
  }
}
