import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config';
import { logRedisErrors } from './redis-error-log';
import { registerScripts, TaskRedis } from './redis-scripts';

export const REDIS = Symbol('REDIS');

/** Injects the shared ioredis client (a TaskRedis) used for task records (bull keeps its own connections). */
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);

/**
 * Builds the task-record client, with every script of the service registered on it: fails fast
 * instead of queueing commands while Redis is away.
 */
export function createRedisClient(config: AppConfig): TaskRedis {
  const client = new Redis(config.redisUrl, {
    // A request handler waiting on a dead Redis must answer 503 promptly, not hang:
    // no offline queue, one retry, short connect timeout. Reconnection still happens in the background.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  logRedisErrors(client, 'tasks', new Logger('Redis'));
  return registerScripts(client);
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const client = createRedisClient(config);
        await client.connect();
        return client;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
