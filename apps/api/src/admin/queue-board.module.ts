import { ExpressAdapter } from '@bull-board/express';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { BullBoardModule } from '@bull-board/nestjs';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { AppConfig } from '@app/tasks/config';
import { QueueName } from '@app/tasks/queues';
import { adminAuth } from './admin-auth.middleware';

/** Bull Board at /queues behind ADMIN_TOKEN; not mounted at all without a token. */
@Module({})
export class QueueBoardModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.adminToken) {
      // Said while the app is created (a provider), so the line goes through pino like the others.
      const warn = () =>
        new Logger(QueueBoardModule.name).warn(
          'queue dashboard /queues disabled: set ADMIN_TOKEN to enable it',
        );
      return {
        module: QueueBoardModule,
        providers: [{ provide: 'QUEUE_BOARD_DISABLED', useFactory: warn }],
      };
    }
    return {
      module: QueueBoardModule,
      imports: [
        BullBoardModule.forRoot({
          route: '/queues',
          adapter: ExpressAdapter,
          middleware: adminAuth(config.adminToken),
        }),
        ...Object.values(QueueName).map((name) =>
          BullBoardModule.forFeature({ name, adapter: BullAdapter }),
        ),
      ],
    };
  }
}
