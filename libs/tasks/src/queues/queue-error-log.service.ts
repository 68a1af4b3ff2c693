import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { logRedisErrors } from '../redis';
import { QueueName } from './queue-names';

/**
 * Logs the errors of bull's own Redis clients. bull re-emits every client's `error` on its queue
 * and swallows it there; listening on the queue keeps bull in charge of its clients (a custom
 * `createClient` would make us close them too) while the errors reach the log.
 */
@Injectable()
export class QueueErrorLog implements OnModuleInit {
  private readonly logger = new Logger('Redis');

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of Object.values(QueueName)) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      logRedisErrors(queue, `queue ${name}`, this.logger);
    }
  }
}
