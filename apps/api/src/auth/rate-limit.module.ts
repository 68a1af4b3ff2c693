import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/tasks/config';
import { redisKeys, REDIS } from '@app/tasks/redis';

/** Submission rate limit per client, counted in Redis so it holds across api replicas. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        // Named 'default' so the header is plain Retry-After (other names get a suffix).
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
        storage: new ThrottlerStorageRedisService(redis),
        // Under QUEUE_PREFIX like every other key: deployments and test runs sharing a Redis must not
        // share (and exhaust) each other's limits. One key per client, not per route (the default
        // hashes class and handler in): every submission route draws on the same budget, else a
        // client would get RATE_LIMIT_PER_MINUTE on each of them.
        generateKey: (_context, tracker, name) =>
          redisKeys.throttle(config.queuePrefix, name, tracker),
        errorMessage: `rate limit exceeded: at most ${config.rateLimitPerMinute} submissions per minute per client (RATE_LIMIT_PER_MINUTE); retry after the Retry-After seconds`,
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}
