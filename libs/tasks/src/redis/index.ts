// The shared Redis connection, its error logging and the 503-fast timeout for calls to it.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { InjectRedis, REDIS, RedisModule } from './redis.module';
export { isRedisUnavailable, withRedisTimeout } from './redis-unavailable';
export { logRedisErrors } from './redis-error-log';
export { redisKeys } from './redis-keys';
export type { ClientUsageKeys } from './redis-keys';
export { registerScripts } from './redis-scripts';
export type { RedisScripts, TaskRedis } from './redis-scripts';
