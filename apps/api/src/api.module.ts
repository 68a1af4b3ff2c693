import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '@app/tasks/config/app-config';
import { ConfigModule } from '@app/tasks/config/config.module';
import { HealthModule } from '@app/tasks/health/health.module';
import { JsonErrorFilter } from '@app/tasks/http/json-error.filter';
import { pinoOptions } from '@app/tasks/logging/pino-options';
import { TasksModule } from '@app/tasks/tasks.module';
import { MetricsModule } from '@app/tasks/metrics/metrics.module';
import { SubmissionMetrics } from '@app/tasks/metrics/submission-metrics.service';
import { QueueBoardModule } from './admin/queue-board.module';
import { HttpDrain } from './http/http-drain.service';
import { QueueDepthEmfPublisher } from './metrics/queue-depth-emf.publisher';
import { RateLimitModule } from './auth/rate-limit.module';
import { DirectUploadController } from './even-sum/direct-upload.controller';
import { DirectUploadService } from './even-sum/direct-upload.service';
import { EvenSumController } from './even-sum/even-sum.controller';
import { EvenSumService } from './even-sum/even-sum.service';
import { RandomizeController } from './randomize/randomize.controller';
import { ImageBodyReader } from './randomize/image-body.reader';
import { RandomizeService } from './randomize/randomize.service';
import { TaskReader } from './tasks/task-reader.service';
import { TaskSubmitter } from './tasks/task-submitter.service';

/** The HTTP api: takes tasks, answers status and results. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(pinoOptions(config, 'api')),
        TasksModule,
        HealthModule,
        MetricsModule,
        QueueBoardModule.forRoot(config),
        RateLimitModule,
      ],
      controllers: [RandomizeController, EvenSumController, DirectUploadController],
      providers: [
        HttpDrain,
        SubmissionMetrics,
        QueueDepthEmfPublisher,
        RandomizeService,
        ImageBodyReader,
        EvenSumService,
        DirectUploadService,
        TaskReader,
        TaskSubmitter,
        { provide: APP_FILTER, useClass: JsonErrorFilter },
      ],
    };
  }
}
